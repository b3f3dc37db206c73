import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PromptOpsController
import PromptOpsServer
import PromptOpsStore

/// The real pieces wired as `promptops controller` wires them: a reconciler over a git
/// repository and a SQLite file, and the HTTP server on 127.0.0.1 port 0.
struct ControllerHarness: Sendable {
    let store: ServingStore
    let reconciler: Reconciler
    let metrics = ServerMetrics()
    let readiness = Readiness()
    let snapshot: ServingSnapshot

    init(repo: String, db: String, branch: String = "main") throws {
        store = try ServingStore(path: db)
        reconciler = Reconciler(location: RepositoryLocation(repo: repo, branch: branch, databasePath: db), store: store)
        snapshot = ServingSnapshot(store: store, maxAge: .seconds(60))
    }

    /// One poll, as the controller's loop runs it.
    @discardableResult
    func poll() async throws -> SyncReport {
        let report = try await reconciler.reconcile()
        try await snapshot.refreshOffPool()
        readiness.markSynced()
        return report
    }

    /// Runs `body` against the live server; the controller loop runs beside it at `interval`.
    func serve<T: Sendable>(pollEvery interval: Duration? = nil, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        var logger = Logger(label: "IntegrationTests")
        logger.logLevel = .critical
        let app = buildApplication(configuration: ServerConfiguration(host: "127.0.0.1", port: 0),
                                   store: store, metrics: metrics, readiness: readiness, logger: logger, snapshot: snapshot)
        let loop: Task<Void, Never>? = interval.map { interval in
            let service = ControllerService(reconciler: reconciler, interval: interval, logger: logger) { [snapshot, readiness] _, _ in
                try? snapshot.refresh()
                readiness.markSynced()
            }
            return Task { try? await service.run() }
        }
        defer { loop?.cancel() }
        return try await app.test(.live) { client in try await body(client) }
    }
}

extension TestClientProtocol {
    func get(_ uri: String) async throws -> TestResponse { try await execute(uri: uri, method: .get) }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var object: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
}
