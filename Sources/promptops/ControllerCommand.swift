import ArgumentParser
import Foundation
import Logging
import NIOCore
import PromptOpsAnalysis
import PromptOpsController
import PromptOpsCore
import PromptOpsServer
import ServiceLifecycle
import UnixSignals

/// `promptops controller --repo REPO [--branch B] [--path P] --db FILE [--listen HOST:PORT] [--interval DURATION]`
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Poll the branch, reconcile into the store, and serve the read-only HTTP endpoint until SIGTERM/SIGINT.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var source: SourceOptions

    @Option(help: "The SQLite serving store (created when missing).")
    var db: String

    @Option(help: "Address of the HTTP endpoint, HOST:PORT.")
    var listen: String = "127.0.0.1:8080"

    @Option(help: "Time between polls: 500ms, 30s, 5m, 1h.")
    var interval: String = "30s"

    @Option(help: "Largest accepted request body, in bytes.")
    var maxBodyBytes: Int = ServerConfiguration.defaultMaxBodyBytes

    @Option(help: "Network event-loop threads (default: twice the cores; more loops than cores keep a thousand connections from waiting behind each other).")
    var eventLoops: Int?

    func validate() throws {
        guard Duration.parse(interval) != nil else { throw ValidationError("--interval '\(interval)' is not a duration such as 500ms, 30s, 5m or 1h") }
        guard Self.address(listen) != nil else { throw ValidationError("--listen '\(listen)' is not HOST:PORT") }
        if let eventLoops, !(1...256).contains(eventLoops) { throw ValidationError("--event-loops must be between 1 and 256") }
    }

    static func address(_ text: String) -> (String, Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        let host = String(text[..<colon])
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }

    func run() async throws {
        // Before anything uses the shared event loops (the HTTP server, the analysis client).
        // Measured with hack/bench/http at 1,000 connections on 2 cores: p99 1.5-2.8 s with one
        // loop per core, 0.19-0.34 s with two per core (50 connections: about the same).
        NIOSingletons.groupLoopCountSuggestion = eventLoops ?? 2 * System.coreCount
        let logger = global.logger("promptops.controller")
        let store = try openStore(db)
        let (host, port) = Self.address(listen)!
        let metrics = ServerMetrics()
        let readiness = Readiness()
        let snapshot = ServingSnapshot(store: store)
        let reconciler = Reconciler(location: source.location(database: db), store: store)
        let httpClient = MetricRunner.makeHTTPClient()
        let rollouts = RolloutDriver(store: store, runner: MetricRunner(httpClient: httpClient, logger: logger), logger: logger)
        let controller = ControllerService(reconciler: reconciler, rollouts: rollouts, interval: Duration.parse(interval)!, logger: logger, onPass: { result in
            switch result {
            case .success(let report):
                metrics.recordSync(success: true, duration: report.duration, at: Date())
                snapshot.invalidate()
            case .failure:
                metrics.recordSync(success: false, duration: .zero, at: Date())
            }
            readiness.markSynced()
        }, onRollouts: { snapshot.invalidate() })
        let app = buildApplication(
            configuration: ServerConfiguration(host: host, port: port, maxBodyBytes: maxBodyBytes),
            store: store, metrics: metrics, readiness: readiness, logger: logger, snapshot: snapshot)
        logger.info("controller starting", metadata: [
            "repo": "\(source.repo)", "branch": "\(source.branch)", "path": "\(source.path)", "db": "\(db)",
            "interval": "\(interval)", "listen": "http://\(host):\(port)",
        ])
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: app), .init(service: controller)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }
}
