import Crypto
import Foundation
import PromptOpsAnalysis
import Logging
import NIOConcurrencyHelpers
import PromptOpsController
import PromptOpsCore
import PromptOpsServer
import PromptOpsStore
import ServiceLifecycle
import UnixSignals

private typealias JSONValue = PromptOpsStore.JSONValue

/// SIGHUP: reads the configuration file again and applies what changes while running —
/// API tokens, webhook secrets, receivers and notification rules, and each source's
/// namespaces and signature verification — without dropping the serving snapshot or a
/// request. A file that fails validation (or names a secret that cannot be read) is logged
/// with its `path:line:col` and the running configuration stays. Every reload, applied or
/// not, and every change of the token set is an audit record.
///
/// Sources are added, removed and re-pointed too: a source whose url, branch, path, auth
/// (or the secrets behind it), interval or timeout changed is stopped after its pass in
/// flight and started afresh; the others keep running untouched. Not changed by a reload
/// (logged, they take effect at the next start): `listen` and `store`.
struct ConfigReloader: Service {
    let path: String
    let current: NIOLockedValueBox<ControllerConfig>
    let listenIsLoopback: Bool
    let access: AccessControl
    let webhooks: WebhookEndpoints
    let factory: SourceFactory
    let platform: PlatformPolicies
    let notifications: NotificationSetup
    let providerSecrets: ProviderSecrets
    let store: ServingStore
    let metrics: ServerMetrics
    let logger: Logger

    init(path: String, running: ControllerConfig, listenIsLoopback: Bool, access: AccessControl, webhooks: WebhookEndpoints,
         factory: SourceFactory, platform: PlatformPolicies, notifications: NotificationSetup, providerSecrets: ProviderSecrets,
         store: ServingStore, metrics: ServerMetrics, logger: Logger) {
        self.providerSecrets = providerSecrets
        self.path = path
        self.current = NIOLockedValueBox(running)
        self.listenIsLoopback = listenIsLoopback
        self.access = access
        self.webhooks = webhooks
        self.factory = factory
        self.platform = platform
        self.notifications = notifications
        self.store = store
        self.metrics = metrics
        var log = logger
        log[metadataKey: "task"] = "config-reload"
        self.logger = log
    }

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals { await reload() }
        }
    }

    /// One reload: validate everything first, then apply it all (never half a file).
    func reload() async {
        let outcome = await prepareAndApply()
        switch outcome {
        case .success(let summary):
            metrics.increment("promptops_config_reloads_total", labels: ["result": "applied"])
            logger.notice("configuration reloaded", metadata: [
                "file": "\(path)", "tokensAdded": "\(summary.tokens.added)", "tokensRemoved": "\(summary.tokens.removed)",
                "tokensChanged": "\(summary.tokens.changed)", "needsRestart": "\(summary.needsRestart)",
                "sourcesStarted": "\(summary.started)", "sourcesStopped": "\(summary.stopped)", "sourcesReconfigured": "\(summary.reconfigured)",
            ])
            audit(action: "reload-config", details: .object([
                "file": .string(path), "applied": .bool(true), "tokensDigest": .string(Self.tokensDigest(current.withLockedValue { $0 }.tokens)),
                "needsRestart": .array(summary.needsRestart.map(JSONValue.string)),
                "sourcesReconfigured": .array(summary.reconfigured.map(JSONValue.string)),
                "sourcesStarted": .array(summary.started.map(JSONValue.string)),
                "sourcesStopped": .array(summary.stopped.map(JSONValue.string)),
            ]))
            if !summary.tokens.isEmpty {
                audit(action: "change-tokens", details: .object([
                    "added": .array(summary.tokens.added.map(JSONValue.string)),
                    "removed": .array(summary.tokens.removed.map(JSONValue.string)),
                    "changed": .array(summary.tokens.changed.map(JSONValue.string)),
                ]))
            }
        case .failure(let problems):
            metrics.increment("promptops_config_reloads_total", labels: ["result": "rejected"])
            for line in problems { logger.error("configuration not reloaded; the running one stays", metadata: ["problem": "\(line)"]) }
            audit(action: "reload-config", details: .object([
                "file": .string(path), "applied": .bool(false), "errors": .array(problems.map(JSONValue.string)),
            ]))
        }
    }

    struct Summary {
        var tokens: TokenSetChange
        var needsRestart: [String]
        /// Sources whose namespaces or verification changed in place.
        var reconfigured: [String]
        /// Sources added or re-pointed (started afresh).
        var started: [String]
        /// Sources removed (their namespaces keep serving what they last applied).
        var stopped: [String]
    }

    private func prepareAndApply() async -> Result<Summary, ReloadProblems> {
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(["cannot read \(path)"]) }
        let config: ControllerConfig
        switch ControllerConfigLoader().load(Array(data), path: path) {
        case .success(let c): config = c
        case .failure(let problems): return .failure(ReloadProblems(problems.diagnostics.map(\.description)))
        }
        let old = current.withLockedValue { $0 }
        if !listenIsLoopback && !config.accessOpen && config.tokens.isEmpty {
            return .failure(["\(path): the endpoint listens on a non-loopback address; a configuration without access.tokens "
                             + "or `access: {open: true}` would open it"])
        }
        // Read every secret and trusted key before changing anything.
        var needsRestart: [String] = []
        if config.listen != old.listen { needsRestart.append("listen") }
        if config.storePath != old.storePath { needsRestart.append("store") }
        let storePath = old.storePath ?? ""
        let secrets = SecretResolver()
        let resolved: [RuntimeSource]
        let receivers: [NotificationReceiver]
        let secretEntries: [String: ProviderSecrets.Entry]
        do {
            resolved = try config.sources.map { source in
                var runtime = try RuntimeSource.resolve(source, databasePath: storePath, secrets: secrets)
                runtime.providers = config.providerGrants
                return runtime
            }
            receivers = try NotificationSetup.receivers(config, secrets: secrets)
            secretEntries = try config.providerSecretEntries(secrets)
        } catch {
            return .failure(["\(path): \(error)"])
        }
        // Apply: each piece is swapped whole; requests keep being answered throughout.
        let tokens = access.replace(config.tokens)
        providerSecrets.replace(secretEntries)
        let providersChanged = config.providerGrants != old.providerGrants
        await notifications.dispatcher.update(receivers: receivers, rules: NotificationSetup.rules(config))
        let oldSources = Dictionary(old.sources.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let running = await factory.loops.names
        var stopped: [String] = [], started: [String] = [], reconfigured: [String] = []
        for name in running.subtracting(config.sources.map(\.name)).sorted() {
            await factory.loops.stop(name)
            await factory.claims.release(name)
            do { try store.forgetSource(name) } catch { logger.error("cannot drop the status of a removed source", metadata: ["source": "\(name)", "error": "\(error)"]) }
            stopped.append(name)
        }
        platform.setPlatformSources(Set(config.sources.filter(\.platform).map(\.name)))
        for (index, source) in resolved.enumerated() {
            let spec = config.sources[index]
            if let loop = await factory.loops.loop(source.name), loop.settings == source.settings {
                await loop.reconciler.configure(grant: source.grant, verifier: source.verifier, platform: platform, providers: source.providers)
                if let before = oldSources[source.name], before.namespaces != spec.namespaces || before.verify != spec.verify
                    || before.platform != spec.platform || providersChanged {
                    reconfigured.append(source.name)
                    loop.wake.signal()
                }
            } else {
                await factory.start(source, primary: index == 0)
                started.append(source.name)
            }
        }
        webhooks.replace(await factory.webhooks(resolved))
        factory.readiness.expect(sources: Set(resolved.map(\.name)))
        // Keep the parts that did not change as they run (a restart applies those).
        var kept = config
        kept.listen = old.listen
        kept.storePath = old.storePath
        current.withLockedValue { $0 = kept }
        return .success(Summary(tokens: tokens, needsRestart: needsRestart, reconfigured: reconfigured, started: started, stopped: stopped))
    }

    /// Identifies a token set (names, hashes, scopes, namespaces) without revealing anything.
    static func tokensDigest(_ tokens: [ControllerConfig.APIToken]) -> String {
        let text = tokens.sorted { $0.name < $1.name }.map { t in
            "\(t.name)|\(t.sha256.map { String(format: "%02x", $0) }.joined())|\(t.scopes.map(\.rawValue).sorted())|\(t.namespaces)"
        }.joined(separator: "\n")
        return SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// At start: an audit record when the token set differs from the one last recorded (the
    /// file was edited while the controller was down), so every change of the set is audited.
    static func auditStart(path: String, tokens: [ControllerConfig.APIToken], store: ServingStore, logger: Logger) {
        let digest = tokensDigest(tokens)
        let last = try? store.latestAudit(actions: ["load-config", "reload-config"])
        let lastDigest = last.flatMap { JSONValue(json: $0.details.text)?["tokensDigest"]?.stringValue }
        guard lastDigest != digest else { return }
        let details = JSONValue.object(["file": .string(path), "tokens": .array(tokens.map(\.name).sorted().map(JSONValue.string)),
                                        "tokensDigest": .string(digest)])
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            try store.appendAudit(actor: "controller", action: "load-config", details: String(decoding: try encoder.encode(details), as: UTF8.self),
                                  now: Date())
        } catch {
            logger.error("cannot write the audit record of the configuration's token set", metadata: ["error": "\(error)"])
        }
    }

    private func audit(action: String, details: JSONValue) {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let json = String(decoding: try encoder.encode(details), as: UTF8.self)
            try store.appendAudit(actor: "controller", action: action, details: json, now: Date())
        } catch {
            logger.error("cannot write the audit record of a configuration reload", metadata: ["error": "\(error)"])
        }
    }
}

/// Why a reload was refused: one line per problem, each at `path:line:col` where it has one.
struct ReloadProblems: Error, ExpressibleByArrayLiteral, Sequence {
    var lines: [String]
    init(_ lines: [String]) { self.lines = lines }
    init(arrayLiteral elements: String...) { lines = elements }
    func makeIterator() -> IndexingIterator<[String]> { lines.makeIterator() }
}
