import AsyncHTTPClient
import Foundation
import Logging
import PromptOpsController
import PromptOpsCore
import PromptOpsServer
import PromptOpsStore
import ServiceLifecycle

/// The notification dispatcher as a service of the controller, built from the config's
/// receivers (secrets read here) and rules; counts its deliveries into `/metrics`.
struct NotificationSetup: Service {
    let dispatcher: NotificationDispatcher
    let metrics: ServerMetrics
    let store: ServingStore
    let logger: Logger

    /// The dispatcher (with no receivers, notifications are routed to nobody and kept only
    /// until pruned; a reload may add receivers).
    static func make(config: ControllerConfig, store: ServingStore, httpClient: HTTPClient, secrets: SecretResolver,
                     metrics: ServerMetrics, logger: Logger) throws -> NotificationSetup {
        let receivers: [NotificationReceiver]
        do {
            receivers = try Self.receivers(config, secrets: secrets)
        } catch {
            throw CommandExit.invalid("error: receivers: \(error)")
        }
        let rules = Self.rules(config)
        var log = logger
        log[metadataKey: "task"] = "notifications"
        return NotificationSetup(dispatcher: NotificationDispatcher(store: store, receivers: receivers, rules: rules, httpClient: httpClient, logger: log),
                                 metrics: metrics, store: store, logger: log)
    }

    /// The config's receivers with their secrets read.
    static func receivers(_ config: ControllerConfig, secrets: SecretResolver) throws -> [NotificationReceiver] {
        try config.receivers.map { r in
            let url: String
            switch r.url {
            case .inline(let text): url = text
            case .secret(let ref): url = try secrets.value(ref)
            }
            return NotificationReceiver(name: r.name, kind: NotificationReceiver.Kind(rawValue: r.kind.rawValue)!, url: url,
                                        repository: r.repository, token: try r.token.map { try secrets.value($0) })
        }
    }

    /// The config's routing rules.
    static func rules(_ config: ControllerConfig) -> [NotificationRule] {
        config.notifications.map { NotificationRule(receiver: $0.receiver, namespaces: $0.namespaces, events: $0.events) }
    }

    /// Asks for routing and delivery now (after a pass or a rollout step wrote events).
    func wake() { dispatcher.wake() }

    /// How long finished notifications are kept, and how old an unrouted one may be and still
    /// be sent at start (older ones were written while no receiver was configured).
    static let retention: TimeInterval = 7 * 24 * 3600
    static let unroutedCutoff: TimeInterval = 24 * 3600

    func run() async throws {
        let metrics = self.metrics, dispatcher = self.dispatcher, store = self.store
        let discarded = (try? store.discardUnroutedNotifications(before: Date().addingTimeInterval(-Self.unroutedCutoff))) ?? 0
        if discarded > 0 { logger.info("notifications older than a day, never routed, are not sent", metadata: ["count": "\(discarded)"]) }
        // Mirror the dispatcher's counters into /metrics while it runs.
        let mirror = Task {
            var last = NotificationCounters()
            var pruned = Date.distantPast
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                if Date().timeIntervalSince(pruned) > 3600 {
                    pruned = Date()
                    _ = try? store.pruneNotifications(before: pruned.addingTimeInterval(-Self.retention))
                }
                let now = await dispatcher.counters()
                for (result, delta) in [("delivered", now.delivered - last.delivered), ("retried", now.retried - last.retried),
                                        ("failed", now.failed - last.failed)] where delta > 0 {
                    metrics.increment("promptops_notifications_total", labels: ["result": result], by: UInt64(delta))
                }
                last = now
            }
        }
        defer { mirror.cancel() }
        await cancelWhenGracefulShutdown { await dispatcher.run() }
    }
}
