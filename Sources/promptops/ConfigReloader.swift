import Crypto
import Foundation
import Logging
import NIOConcurrencyHelpers
import PromptOpsController
import PromptOpsCore
import PromptOpsServer
import PromptOpsStore
import ServiceLifecycle
import UnixSignals

/// SIGHUP: reads the configuration file again and applies what changes while running —
/// API tokens, webhook secrets, receivers and notification rules, and each source's
/// namespaces and signature verification — without dropping the serving snapshot or a
/// request. A file that fails validation (or names a secret that cannot be read) is logged
/// with its `path:line:col` and the running configuration stays. Every reload, applied or
/// not, and every change of the token set is an audit record.
///
/// Not changed by a reload (logged, they take effect at the next start): `listen`, `store`,
/// a source added or removed, and a source's url, branch, path, auth, interval, timeout or
/// `platform` flag.
struct ConfigReloader: Service {
    /// A running source's handles.
    struct RunningSource: Sendable {
        var reconciler: Reconciler
        var wake: WakeSignal
        var branch: String
    }

    let path: String
    let current: NIOLockedValueBox<ControllerConfig>
    let listenIsLoopback: Bool
    let access: AccessControl
    let webhooks: WebhookEndpoints
    let sources: [String: RunningSource]
    let platform: PlatformPolicies?
    let notifications: NotificationSetup
    let store: ServingStore
    let metrics: ServerMetrics
    let logger: Logger

    init(path: String, running: ControllerConfig, listenIsLoopback: Bool, access: AccessControl, webhooks: WebhookEndpoints,
         sources: [String: RunningSource], platform: PlatformPolicies?, notifications: NotificationSetup, store: ServingStore,
         metrics: ServerMetrics, logger: Logger) {
        self.path = path
        self.current = NIOLockedValueBox(running)
        self.listenIsLoopback = listenIsLoopback
        self.access = access
        self.webhooks = webhooks
        self.sources = sources
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
            ])
            audit(action: "reload-config", details: .object([
                "file": .string(path), "applied": .bool(true), "tokensDigest": .string(Self.tokensDigest(current.withLockedValue { $0 }.tokens)),
                "needsRestart": .array(summary.needsRestart.map(JSONValue.string)),
                "sourcesReconfigured": .array(summary.reconfigured.map(JSONValue.string)),
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
        var reconfigured: [String]
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
        let secrets = SecretResolver()
        var hooks: [String: WebhookEndpoints.Endpoint] = [:]
        var grants: [String: (SourceGrant, CommitVerifier?)] = [:]
        var needsRestart: [String] = []
        if config.listen != old.listen { needsRestart.append("listen") }
        if config.storePath != old.storePath { needsRestart.append("store") }
        let oldSources = Dictionary(old.sources.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for name in Set(oldSources.keys).subtracting(config.sources.map(\.name)).sorted() { needsRestart.append("sources/\(name) (removed)") }
        let receivers: [NotificationReceiver]
        do {
            for source in config.sources {
                guard let running = sources[source.name], let before = oldSources[source.name] else {
                    needsRestart.append("sources/\(source.name) (added)")
                    continue
                }
                if source.url != before.url || source.branch != before.branch || source.path != before.path || source.auth != before.auth
                    || source.interval != before.interval || source.timeout != before.timeout || source.platform != before.platform {
                    needsRestart.append("sources/\(source.name)")
                }
                if let ref = source.webhookSecret {
                    let secret = try secrets.value(ref)
                    let wake = running.wake
                    hooks[source.name] = .init(secret: Array(secret.utf8), branch: running.branch, trigger: { wake.signal() })
                }
                let verifier = try source.verify.map { try CommitVerifiers.make($0, secrets: secrets) }
                grants[source.name] = (SourceGrant(source: source.name, namespaces: source.namespaces, platform: before.platform), verifier)
            }
            receivers = try NotificationSetup.receivers(config, secrets: secrets)
        } catch {
            return .failure(["\(path): \(error)"])
        }
        // Apply: each piece is swapped whole; requests keep being answered throughout.
        let tokens = access.replace(config.tokens)
        webhooks.replace(hooks)
        await notifications.dispatcher.update(receivers: receivers, rules: NotificationSetup.rules(config))
        var reconfigured: [String] = []
        for (name, (grant, verifier)) in grants.sorted(by: { $0.key < $1.key }) {
            let before = oldSources[name]!
            let source = config.sources.first { $0.name == name }!
            if before.namespaces != source.namespaces || before.verify != source.verify { reconfigured.append(name) }
            await sources[name]!.reconciler.configure(grant: grant, verifier: verifier, platform: platform)
        }
        // Keep the parts that did not change as they run (a restart applies those).
        var kept = config
        kept.listen = old.listen
        kept.storePath = old.storePath
        current.withLockedValue { $0 = kept }
        for name in reconfigured { sources[name]?.wake.signal() }
        return .success(Summary(tokens: tokens, needsRestart: needsRestart, reconfigured: reconfigured))
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
