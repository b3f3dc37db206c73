import ArgumentParser
import Foundation
import Logging
import Metrics
import OTel
import Tracing
import Prometheus
import NIOCore
import PromptOpsAnalysis
import PromptOpsController
import PromptOpsCore
import PromptOpsServer
import ServiceLifecycle
import UnixSignals

/// `promptops controller [--config FILE] [--repo REPO] [--branch B] [--path P] [--db FILE] [--listen HOST:PORT] [--interval DURATION]`
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Poll the sources, reconcile into the store, drive rollouts, send notifications and serve the HTTP endpoint until SIGTERM/SIGINT.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "A ControllerConfig file (sources with credentials and webhooks, receivers, notifications). Flags given beside it override it.")
    var config: String?

    @Option(help: "A local repository path, or a URL (file://, https://, ssh://) cloned into a cache beside the database.")
    var repo: String?

    @Option(help: "The branch to follow (default main).")
    var branch: String?

    @Option(help: "The folder inside the repository that holds manifests (default: the whole repository).")
    var path: String?

    @Option(help: "The SQLite serving store (created when missing).")
    var db: String?

    @Option(help: "Address of the HTTP endpoint, HOST:PORT (default 127.0.0.1:8080).")
    var listen: String?

    @Option(help: "Time between polls: 500ms, 30s, 5m, 1h (default 30s).")
    var interval: String?

    @Option(help: "Largest accepted request body, in bytes.")
    var maxBodyBytes: Int = ServerConfiguration.defaultMaxBodyBytes

    @Option(help: "Most bytes one render request may produce (default 1048576); over it the answer is 422 render_limit_exceeded.")
    var maxRenderBytes: Int = RenderLimits.standard.maximumBytes

    @Option(help: "Most template steps one render request may execute (default 2000000; each section iteration counts).")
    var maxRenderSteps: Int = RenderLimits.standard.maximumSteps

    @Option(help: "Bytes of compiled template versions kept for render (estimated; least recently used out first).")
    var maxCompiledBytes: Int = 16 << 20

    @Option(help: "Network event-loop threads (default: twice the cores; more loops than cores keep a thousand connections from waiting behind each other).")
    var eventLoops: Int?

    func validate() throws {
        if let interval, Duration.parse(interval) == nil { throw ValidationError("--interval '\(interval)' is not a duration such as 500ms, 30s, 5m or 1h") }
        if let listen, ControllerConfigLoader.address(listen) == nil { throw ValidationError("--listen '\(listen)' is not HOST:PORT") }
        if let eventLoops, !(1...256).contains(eventLoops) { throw ValidationError("--event-loops must be between 1 and 256") }
        if !(1_024...(256 << 20)).contains(maxRenderBytes) { throw ValidationError("--max-render-bytes must be between 1024 and 268435456") }
        if !(1_000...1_000_000_000).contains(maxRenderSteps) { throw ValidationError("--max-render-steps must be between 1000 and 1000000000") }
        if !((1 << 20)...(64 << 30)).contains(maxCompiledBytes) { throw ValidationError("--max-compiled-bytes must be between 1048576 and 68719476736") }
        if config == nil && (repo == nil || db == nil) { throw ValidationError("give --config FILE, or --repo and --db") }
    }

    /// The configuration: the file (if any) with the flags laid over it.
    func effectiveConfig() throws -> ControllerConfig {
        var config = try self.config.map(loadControllerConfig) ?? ControllerConfig()
        if let repo {
            var source = config.sources.first ?? ControllerConfig.Source(name: "default", url: repo)
            source.url = repo
            if config.sources.isEmpty { config.sources = [source] } else { config.sources[0] = source }
        }
        if !config.sources.isEmpty {
            if let branch { config.sources[0].branch = branch }
            if let path { config.sources[0].path = path }
        }
        if let interval, let d = Duration.parse(interval) {
            for i in config.sources.indices { config.sources[i].interval = d }
        }
        if let db { config.storePath = db }
        if let listen { config.listen = listen }
        guard config.storePath != nil else { throw CommandExit.invalid("error: no store: set store.path in \(self.config ?? "the config") or give --db") }
        guard !config.sources.isEmpty else { throw CommandExit.invalid("error: no sources: add sources to \(self.config ?? "the config") or give --repo") }
        if let (host, _) = ControllerConfigLoader.address(config.listen ?? "127.0.0.1:8080"),
           !Self.isLoopback(host), !config.accessOpen, config.tokens.isEmpty {
            throw CommandExit.invalid("error: listen \(host) is not a loopback address and no access is configured; "
                                      + "add API tokens (access.tokens) in a config file, or set `access: {open: true}` to serve an open endpoint on purpose")
        }
        return config
    }

    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    func run() async throws {
        // Before anything uses the shared event loops (the HTTP server, the analysis client).
        // Measured with hack/bench/http at 1,000 connections on 2 cores: p99 1.5-2.8 s with one
        // loop per core, 0.19-0.34 s with two per core (50 connections: about the same).
        NIOSingletons.groupLoopCountSuggestion = eventLoops ?? 2 * System.coreCount
        let config = try effectiveConfig()
        // A git-fetch child that dies while its request is written must not kill the controller.
        signal(SIGPIPE, SIG_IGN)
        let logger = global.logger("promptops.controller")
        let dbPath = config.storePath!
        let secrets = SecretResolver()
        let runtimeSources: [RuntimeSource]
        let providerSecrets: ProviderSecrets
        do {
            runtimeSources = try config.sources.map { source in
                var resolved = try RuntimeSource.resolve(source, databasePath: dbPath, secrets: secrets)
                if self.config != nil { resolved.providers = config.providerGrants }
                return resolved
            }
            providerSecrets = ProviderSecrets(try config.providerSecretEntries(secrets))
        } catch {
            throw CommandExit.invalid("error: \(error)")
        }
        let store = try openStore(dbPath)
        let (host, port) = ControllerConfigLoader.address(config.listen ?? "127.0.0.1:8080")!
        let metrics = ServerMetrics()
        // Libraries that report through swift-metrics land on the same /metrics page.
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics.registry))
        // Traces (telemetry.traces): bootstrapped before any pass or request starts a span.
        let tracing = try config.traces.map { try Self.bootstrapTracing($0, logger: logger) }
        let readiness = Readiness(sources: Set(runtimeSources.map(\.name)))
        let snapshot = ServingSnapshot(store: store, compiledBudget: maxCompiledBytes, logger: logger)
        // The first table is built before the listener opens, so no request waits for it.
        snapshot.refreshReportingFailure()
        let httpClient = MetricRunner.makeHTTPClient()
        let claims = NamespaceClaims()
        let fetcher = GitFetchRunner(executable: GitFetchRunner.currentExecutable)
        let rolloutWake = WakeSignal()
        let access = AccessControl(tokens: config.tokens)
        let platformNames = Set(config.sources.filter(\.platform).map(\.name))
        let platform = PlatformPolicies(platformSources: platformNames)
        let notifications = try NotificationSetup.make(config: config, store: store, httpClient: httpClient, secrets: secrets,
                                                       metrics: metrics, logger: logger)
        let webhooks = WebhookEndpoints()
        let loops = SourceLoops()
        let factory = SourceFactory(store: store, fetcher: fetcher, claims: claims, platform: self.config == nil ? nil : platform,
                                    loops: loops, metrics: metrics, snapshot: snapshot, readiness: readiness, rolloutWake: rolloutWake,
                                    notifications: notifications, logger: logger, configured: self.config != nil)
        if self.config != nil {
            await claims.seed((try? store.namespaceOwners()) ?? [:], sources: Set(runtimeSources.map(\.name)))
        }
        if self.config != nil { platform.seed(from: store) }
        await claims.setOnChange { names in Task { await factory.wake(names) } }
        platform.setOnChange { Task { await factory.wake(await loops.names.subtracting(platform.platformSources)) } }
        for (index, source) in runtimeSources.enumerated() { await factory.start(source, primary: index == 0) }
        webhooks.replace(await factory.webhooks(runtimeSources))
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: SourceLoopsService(loops: loops, logger: logger))]
        let driver = RolloutDriver(store: store, runner: MetricRunner(httpClient: httpClient, secrets: providerSecrets, logger: logger), logger: logger)
        services.append(.init(service: RolloutService(reconcilers: { await loops.reconcilers }, driver: driver, logger: logger, wake: rolloutWake,
                                                      onRollouts: { snapshot.invalidate(); notifications.wake() })))
        services.append(.init(service: notifications))
        services.append(.init(service: RetentionService(store: store, policy: config.retention, logger: logger)))
        if let file = self.config {
            ConfigReloader.auditStart(path: file, tokens: config.tokens, store: store, logger: logger)
            let (host, _) = ControllerConfigLoader.address(config.listen ?? "127.0.0.1:8080")!
            services.append(.init(service: ConfigReloader(
                path: file, running: config, listenIsLoopback: Self.isLoopback(host), access: access, webhooks: webhooks,
                factory: factory, platform: platform, notifications: notifications, providerSecrets: providerSecrets, store: store,
                metrics: metrics, logger: logger)))
        }
        var serverConfiguration = ServerConfiguration(host: host, port: port, maxBodyBytes: maxBodyBytes)
        serverConfiguration.renderLimits = RenderLimits(maximumBytes: maxRenderBytes, maximumSteps: maxRenderSteps)
        serverConfiguration.tracing = tracing != nil
        // The dashboard links located errors and template files to the git host (read at start).
        for source in config.sources {
            if let pattern = source.browseURL { serverConfiguration.browse[source.name] = BrowseLink(pattern: pattern) }
        }
        let app = buildApplication(
            configuration: serverConfiguration,
            store: store, metrics: metrics, readiness: readiness, logger: logger, snapshot: snapshot, webhooks: webhooks, access: access)
        services.insert(.init(service: app), at: 0)
        // First in the group, so it shuts down last and exports the spans of everything else.
        if let tracing { services.insert(.init(service: tracing), at: 0) }
        logger.info("controller starting", metadata: [
            "sources": "\(runtimeSources.map { "\($0.name)=\($0.location.repo)#\($0.location.branch)" })", "db": "\(dbPath)",
            "listen": "http://\(host):\(port)", "receivers": "\(config.receivers.map(\.name))",
            "access": "\(config.tokens.isEmpty ? "open" : "\(config.tokens.count) tokens")",
        ])
        // SIGTERM stops the controller within seconds whatever it is doing: services get 4 s
        // to finish, then are cancelled, and a last deadline ends the process at 8 s. (No
        // maximumCancellationDuration: ServiceLifecycle ends an overdue cancellation with a
        // fatalError, a crash report instead of an exit.)
        services.append(.init(service: ShutdownDeadline(deadline: .seconds(8), logger: logger)))
        var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(4)
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }
}

extension ControllerCommand {
    /// Bootstraps swift-distributed-tracing with swift-otel's tracer exporting over OTLP/HTTP
    /// to `traces.endpoint`; returns the exporter's service (it flushes on shutdown). The
    /// standard OTEL_* environment variables still apply over the file (swift-otel reads them).
    static func bootstrapTracing(_ traces: ControllerConfig.Traces, logger: Logger) throws -> any Service {
        var otel = OTel.Configuration.default
        otel.serviceName = traces.serviceName
        otel.logs.enabled = false
        otel.metrics.enabled = false
        otel.traces.enabled = true
        otel.traces.exporter = .otlp
        otel.traces.otlpExporter.endpoint = traces.endpoint
        otel.traces.otlpExporter.protocol = traces.encoding == "http/json" ? .httpJSON : .httpProtobuf
        otel.traces.sampler = .parentBasedTraceIDRatio(ratio: traces.sampleRatio) ?? .parentBasedAlwaysOn
        otel.diagnosticLogger = .custom(logger)
        let backend = try OTel.makeTracingBackend(configuration: otel)
        InstrumentationSystem.bootstrap(backend.factory)
        return backend.service
    }
}

extension Logger {
    /// The logger with a `source` metadata field (several sources log side by side).
    func with(source: String?) -> Logger {
        var copy = self
        if let source { copy[metadataKey: "source"] = "\(source)" }
        return copy
    }
}
