import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import PromptOpsCore
@testable import PromptOpsServer

/// The real server, built by `buildApplication`, on 127.0.0.1 port 0 over a real store.
struct TestServer {
    let served: ServedStore
    let metrics = ServerMetrics()
    let readiness: Readiness
    let snapshot: ServingSnapshot
    var maxBodyBytes = ServerConfiguration.defaultMaxBodyBytes
    /// The API tokens (none: open).
    var access = AccessControl()
    /// Time a connection may wait without a complete request head.
    var idleTimeout: Duration = .seconds(30)
    var renderLimits = RenderLimits.standard
    /// Whether plain resolves and renders are answered on the event loop (the product's default).
    var fastPath = true
    /// Counts the requests the event loop's resolve path answered.
    let fastAnswers = Counter()
    /// Counts those answered from the connection's bytes, before NIO's HTTP decoder.
    let wireAnswers = Counter()

    /// A count shared with the server's threads.
    final class Counter: Sendable {
        private let box = Mutex(0)
        var value: Int { box.withLock { $0 } }
        func increment() { box.withLock { $0 += 1 } }
    }

    /// A server over `served`, ready (one sync pass done) unless `ready` is false.
    init(_ served: ServedStore, ready: Bool = true, snapshotMaxAge: Duration = .seconds(60),
         duringBuild: @escaping @Sendable () -> Void = {}) {
        self.served = served
        readiness = Readiness()
        if ready { readiness.markSynced() }
        snapshot = ServingSnapshot(store: served.store, maxAge: snapshotMaxAge, compiledBudget: 16 << 20, duringBuild: duringBuild)
    }

    /// Starts the server, runs `body` with a client connected to it, stops the server.
    func run<T: Sendable>(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        var logger = Logger(label: "PromptOpsServerTests")
        logger.logLevel = .warning
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, maxBodyBytes: maxBodyBytes)
        configuration.idleTimeout = idleTimeout
        configuration.renderLimits = renderLimits
        configuration.fastPath = fastPath
        let counter = fastAnswers, wire = wireAnswers
        let app = buildApplication(
            configuration: configuration,
            store: served.store, metrics: metrics, readiness: readiness, logger: logger, snapshot: snapshot,
            webhooks: WebhookEndpoints(), access: access, fastPathAnswered: { counter.increment() },
            wireAnswered: { wire.increment() })
        return try await app.test(.live) { client in try await body(client) }
    }
}

extension TestClientProtocol {
    /// GET `uri`, with `Authorization: Bearer token` when a token is given.
    func get(_ uri: String, token: String? = nil) async throws -> TestResponse {
        try await execute(uri: uri, method: .get, headers: token.map { [.authorization: "Bearer \($0)"] } ?? [:])
    }

    /// POST `json` to `uri`.
    func post(_ uri: String, json: String) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: json))
    }
}

extension TestResponse {
    /// The body as text.
    var text: String { String(buffer: body) }

    /// The body parsed as a JSON object (empty when it is not one).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// The body parsed as a JSON array of objects (empty when it is not one).
    var array: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
    }

    /// `error.code` of an error answer.
    var errorCode: String? { (object["error"] as? [String: Any])?["code"] as? String }

    /// `error.message` of an error answer.
    var errorMessage: String { (object["error"] as? [String: Any])?["message"] as? String ?? "" }
}
