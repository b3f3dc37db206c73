import Foundation
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers

/// No loopback port could be bound for a refusing address.
struct RefusingAddressUnavailable: Error {}

/// A notification receiver stood in for by a real HTTP server on 127.0.0.1, port 0: it
/// records every request (method, path, headers, body) and answers as the test says — a
/// status, a number of failures first, or holding requests unanswered for a while.
final class RecordingServer: Sendable {
    /// One request as received.
    struct Request: Sendable {
        var method: String
        var path: String
        /// Lower-cased header name → value.
        var headers: [String: String]
        var body: String

        /// The value of header `name` (any case).
        func header(_ name: String) -> String? { headers[name.lowercased()] }

        /// The body parsed as a JSON object (empty when it is not one).
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    }

    /// A body a failing answer carries: it must never reach an event, a stored error or a log.
    static let failureBody = "upstream exploded; echo of RESPONSE-BODY-SECRET-4711"

    /// Requests answered 500 before the server answers `status`.
    let failuresFirst = NIOLockedValueBox<Int>(0)
    /// The status of every other answer.
    let status = NIOLockedValueBox<Int>(200)
    /// While true, requests wait (at most 10 s) before being answered.
    let holding = NIOLockedValueBox<Bool>(false)
    private let log = NIOLockedValueBox<[Request]>([])

    /// Every request so far, in arrival order.
    var requests: [Request] { log.withLockedValue { $0 } }

    /// Runs `body` with the server's base URL (`http://127.0.0.1:PORT`).
    func run<T: Sendable>(_ body: @escaping @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        for method in [HTTPRequest.Method.post, .put, .get] {
            router.on("**", method: method) { [self] request, _ -> Response in
                try await answer(request)
            }
        }
        var logger = Logger(label: "recording-server")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        return try await app.test(.live) { client in
            defer { self.holding.withLockedValue { $0 = false } }
            return try await body("http://127.0.0.1:\(client.port!)")
        }
    }

    private func answer(_ request: Hummingbird.Request) async throws -> Response {
        let bytes = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        log.withLockedValue {
            $0.append(Request(method: request.method.rawValue, path: request.uri.path, headers: headers, body: String(buffer: bytes)))
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while holding.withLockedValue({ $0 }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let fail = failuresFirst.withLockedValue { left -> Bool in
            guard left > 0 else { return false }
            left -= 1
            return true
        }
        let code = fail ? 500 : status.withLockedValue { $0 }
        let text = (200..<300).contains(code) ? "{\"ok\":true}" : Self.failureBody
        return Response(status: .init(code: code), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Runs `body` with a base URL where connections are refused: a loopback port bound (so
    /// no other server takes it) but not listening.
    static func withRefusingAddress<T>(_ body: (String) async throws -> T) async throws -> T {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RefusingAddressUnavailable() }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw RefusingAddressUnavailable() }
        return try await body("http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))")
    }
}
