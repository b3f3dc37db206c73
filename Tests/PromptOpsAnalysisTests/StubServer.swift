import AsyncHTTPClient
import Foundation
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
import Hummingbird
import Logging
import NIOCore
import PromptOpsAnalysis
import ServiceLifecycle

/// A real HTTP server on 127.0.0.1, port 0, standing in for a service the user brings (a model
/// endpoint, Prometheus, a scoring service). Runs only while `body` runs.
enum StubServer {
    struct NotStarted: Error {}

    /// Starts `router`, runs `body` with the server's base URL (`http://127.0.0.1:PORT`), then
    /// shuts the server down gracefully (a cancelled server can crash on a late connection).
    static func run<T: Sendable>(
        _ router: Router<BasicRequestContext>, _ body: (String) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "PromptOpsAnalysisTests.stub")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger)
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                await services.triggerGracefulShutdown()
                throw NotStarted()
            }
            do {
                let result = try await body("http://127.0.0.1:\(port)")
                await services.triggerGracefulShutdown()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }

    /// Runs `body` with a base URL where connections are refused: a loopback port bound (so no
    /// other server can take it) but not listening.
    static func withRefusingAddress<T>(_ body: (String) async throws -> T) async throws -> T {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NotStarted() }
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
        guard bound else { throw NotStarted() }
        return try await body("http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))")
    }
}

/// Runs `body` with a client from ``MetricRunner/makeHTTPClient()``, shut down afterwards.
func withHTTPClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
    let client = MetricRunner.makeHTTPClient()
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// A JSON answer with `status`.
func jsonResponse(_ json: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"],
             body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
}

/// Collects what stub servers saw, for the test to check afterwards.
actor RequestLog {
    struct Entry: Sendable {
        var authorization: String?
        var body: String
        var query: String?
    }

    private(set) var entries: [Entry] = []

    func record(_ entry: Entry) { entries.append(entry) }
}

extension Logger {
    /// A logger that prints nothing below critical, so test output stays readable.
    static var quiet: Logger {
        var logger = Logger(label: "PromptOpsAnalysisTests")
        logger.logLevel = .critical
        return logger
    }
}
