import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP request to a user's service (model endpoint, Prometheus, scoring service) with a
/// deadline, answered as status-checked bytes; every failure becomes a ``EndpointError``.
struct HTTPExchange: Sendable {
    /// The answer of a successful (2xx) exchange.
    struct Answer: Sendable {
        /// The response body.
        var body: ByteBuffer
        /// From sending the request to having the whole body.
        var latency: Duration
    }

    /// Largest body read; a service answering more is misconfigured, not measured.
    static let maxBodyBytes = 8 * 1024 * 1024

    var client: HTTPClient

    /// Sends `method` to `url` and reads the whole answer within `timeout`.
    func send(
        _ method: HTTPMethod, url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, timeout: Duration
    ) async throws(EndpointError) -> Answer {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
              parsed.host != nil
        else { throw .invalidEndpoint(url, reason: "expected an absolute http:// or https:// URL") }
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }

        let clock = ContinuousClock()
        let start = clock.now
        let status: Int
        let bytes: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: timeout.timeAmount)
            status = Int(response.status.code)
            bytes = try await response.body.collect(upTo: Self.maxBodyBytes)
        } catch {
            throw EndpointError.classify(error, url: url, timeout: timeout, elapsed: clock.now - start)
        }
        let latency = clock.now - start
        guard (200..<300).contains(status) else { throw .httpStatus(url: url, status: status) }
        return Answer(body: bytes, latency: latency)
    }

    /// Sends a GET and parses the answer as JSON.
    func getJSON(_ url: String, timeout: Duration) async throws(EndpointError) -> JSONValue {
        let answer = try await send(.GET, url: url, headers: [("Accept", "application/json")], timeout: timeout)
        guard let json = JSONValue.parse(answer.body.readableBytesView) else {
            throw .badResponse(url: url, reason: "the body is not JSON (\(answer.body.readableBytes) bytes)")
        }
        return json
    }
}
