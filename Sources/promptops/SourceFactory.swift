import Crypto
import Foundation
import Logging
import PromptOpsController
import PromptOpsCore
import PromptOpsServer
import PromptOpsStore

/// Builds a source's reconciler and poll loop from the controller's shared parts — at start,
/// and when a config reload adds or re-points a source.
struct SourceFactory: Sendable {
    let store: ServingStore
    let fetcher: GitFetchRunner
    let claims: NamespaceClaims
    /// Nil for the one-repository command line.
    let platform: PlatformPolicies?
    let loops: SourceLoops
    let metrics: ServerMetrics
    let snapshot: ServingSnapshot
    let readiness: Readiness
    let rolloutWake: WakeSignal
    let notifications: NotificationSetup
    let logger: Logger
    /// Whether the sources come from a config file (named, with ownership).
    let configured: Bool

    /// Starts (or restarts) the loop of `source`.
    func start(_ source: RuntimeSource, primary: Bool) async {
        var location = source.location
        location.fetcher = fetcher
        let reconciler = configured
            ? Reconciler(location: location, store: store, source: .init(name: source.name, primary: primary), claims: claims)
            : Reconciler(location: location, store: store)
        await reconciler.configure(grant: source.grant, verifier: source.verifier, platform: platform, providers: source.providers)
        let wake = WakeSignal()
        let name = source.name
        let (metrics, snapshot, readiness, rolloutWake, notifications) = (self.metrics, self.snapshot, self.readiness, self.rolloutWake, self.notifications)
        let service = ControllerService(reconciler: reconciler, interval: source.interval, logger: logger.with(source: configured ? name : nil),
                                        onPass: { result, duration in
            switch result {
            case .success:
                metrics.recordSync(success: true, duration: duration, at: Date())
                // The table holds the pass before the source counts as ready (a thread of the
                // pool reads what the pass changed; a pass that changed nothing reads one row).
                snapshot.refreshReportingFailure()
                readiness.markSynced(source: name)
            case .failure:
                metrics.recordSync(success: false, duration: duration, at: Date())
                readiness.markFailed(source: name)
            }
            rolloutWake.signal()
            notifications.wake()
        }, wake: wake)
        await loops.start(name: name, settings: source.settings, reconciler: reconciler, wake: wake, service: service)
    }

    /// The webhook table of the running sources.
    func webhooks(_ sources: [RuntimeSource]) async -> [String: WebhookEndpoints.Endpoint] {
        var table: [String: WebhookEndpoints.Endpoint] = [:]
        for source in sources {
            guard let secret = source.webhookSecret, let wake = await loops.loop(source.name)?.wake else { continue }
            table[source.name] = .init(secret: Array(secret.utf8), branch: source.location.branch, trigger: { wake.signal() })
        }
        return table
    }

    /// Wakes the loops of `names` (a namespace changed hands, platform Policies changed).
    func wake(_ names: some Sequence<String>) async {
        for name in names { await loops.loop(name)?.wake.signal() }
    }
}

extension RuntimeSource {
    /// What a loop is started with: where and how it fetches and how often. A reload that
    /// changes any of it (a rotated key or token included, by digest) restarts the source;
    /// `namespaces`, `verify` and the webhook secret change in place.
    static func settings(_ source: ControllerConfig.Source, location: RepositoryLocation) -> String {
        var copy = source
        copy.namespaces = nil
        copy.verify = nil
        copy.webhookSecret = nil
        copy.platform = false
        let credentials = (try? JSONEncoder().encode(location.credentials)) ?? Data()
        let digest = SHA256.hash(data: credentials).map { String(format: "%02x", $0) }.joined()
        return "\(copy)|\(digest)"
    }
}
