import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import PromptOpsAnalysis

/// A real HTTP server on 127.0.0.1, port 0, standing in for a service the user brings (a model
/// endpoint, Prometheus, a scoring service). Runs only while `body` runs.
enum StubServer {
    struct NotStarted: Error {}

    /// Starts `router`, runs `body` with the server's base URL (`http://127.0.0.1:PORT`), stops it.
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
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                group.cancelAll()
                throw NotStarted()
            }
            defer { group.cancelAll() }
            return try await body("http://127.0.0.1:\(port)")
        }
    }

    /// A base URL where nothing listens any more: a stub server's address after it stopped.
    static func closedAddress() async throws -> String {
        try await run(Router()) { $0 }
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
