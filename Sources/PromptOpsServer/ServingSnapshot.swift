import Hummingbird
import Logging
import NIOPosix
import ServiceLifecycle
import NIOConcurrencyHelpers
import PromptOpsCore
import PromptOpsHeap
import PromptOpsStore

/// What every Deployment serves, held in memory so `resolve` and `render` answer without a
/// database read: an immutable table of (namespace, name) → template, versions and a
/// pre-encoded `resolve` answer, replaced whole (read-copy-update).
///
/// A request only copies the current table's reference (a lock held for that copy and nothing
/// else); it never reads the store and never waits for a pass. ``refresh()`` builds the next
/// table off the request path from what changed: triggers log the namespace of every change
/// of a `deployment` row (`serving_change`, whoever writes: a pass, a rollout step, a manual
/// override), so the entries after the table's mark name the namespaces to read again, and an
/// unchanged head means nothing to build. The controller refreshes after each pass (before it
/// reports ready) and calls ``invalidate()`` after each rollout round; as a service the
/// snapshot also compares the head every `maxAge`, so a write by another process (a manual
/// `promptops rollout promote`) shows within that delay.
public final class ServingSnapshot: Service, Sendable {
    /// One served Deployment, with its `resolve` answers encoded once per load. A class, so
    /// a request takes one reference to it rather than copying its seven fields: each copied
    /// field was a retain and a release of an object both serving threads read (the lines
    /// move between cores), in a profile of render and resolve (hack/bench/http).
    final class Entry: Sendable {
        /// The namespace.
        let namespace: String
        /// The Deployment.
        let name: String
        /// The template served.
        let template: String
        /// The stable version.
        let stable: VersionRef
        /// The canary, when one runs.
        let canary: CanaryState?
        /// The `resolve` answer for keys on the stable version.
        let stableResolveBody: ByteBuffer
        /// The `resolve` answer for keys on the canary, when one runs.
        let canaryResolveBody: ByteBuffer?

        /// Builds the entry of a served Deployment.
        init(_ d: DeploymentStatus) {
            // Strings copied (``FreshStorage``): the row's were made among the read's
            // temporaries, and an entry is kept until its namespace changes.
            namespace = FreshStorage.string(d.namespace)
            name = FreshStorage.string(d.name)
            template = FreshStorage.string(d.template)
            stable = VersionRef(version: d.stable.version, hash: FreshStorage.string(d.stable.hash))
            canary = d.canary.map { c in
                var copy = c
                copy.hash = FreshStorage.string(c.hash)
                return copy
            }
            stableResolveBody = ResolveAnswer.body(template: d.template, version: d.stable.version, hash: d.stable.hash, variant: .stable)
            canaryResolveBody = d.canary.map {
                ResolveAnswer.body(template: d.template, version: $0.version, hash: $0.hash, variant: .canary)
            }
        }

        /// Which version serves `key`: the canary when one runs and the key's bucket falls in
        /// its weight (`TrafficSplit`, sticky per key; a missing key picks at random), else stable.
        func serving(key: String?) -> (version: VersionRef, variant: TrafficSplit.Variant, resolveBody: ByteBuffer) {
            guard let canary, canary.weight > 0, let canaryBody = canaryResolveBody else {
                return (stable, .stable, stableResolveBody)
            }
            var random = SystemRandomNumberGenerator()
            switch TrafficSplit.variant(key: key, namespace: namespace, deployment: name, weight: canary.weight, random: &random) {
            case .canary: return (VersionRef(version: canary.version, hash: canary.hash), .canary, canaryBody)
            case .stable: return (stable, .stable, stableResolveBody)
            }
        }
    }

    /// One generation of the table, never changed once built.
    struct Table: Sendable {
        /// Namespace → Deployment name → entry.
        var entries: [String: [String: Entry]]
        /// The serving change log entry the table reflects (0: none).
        var marker: Int64
    }

    private let store: ServingStore
    private let maxAge: Duration
    /// Compiled versions for `render`, shared by every request.
    let compiled: CompiledVersionCache
    /// The current table; the lock is held only to copy or replace the reference.
    private let current = NIOLockedValueBox<Table?>(nil)
    /// Serialises refreshes (a request takes it only before the very first table exists).
    private let refreshLock = NIOLock()
    private let builds = NIOLockedValueBox(0)
    private let logger: Logger
    /// Runs inside every build, after the store was read and before the swap, with the
    /// refresh lock held (tests stall a build here to show no request waits for one).
    let duringBuild: @Sendable () -> Void

    /// Creates a snapshot of `store`; nothing is read until the first request or refresh.
    /// - Parameter maxAge: how often, when run as a service, the audit head is compared with
    ///   the store's to notice writes of other processes.
    /// - Parameter compiledBudget: bytes of compiled versions kept for `render`.
    /// - Parameter logger: where a failed refresh is reported (the table then stays as it was
    ///   and the next refresh tries again).
    public convenience init(store: ServingStore, maxAge: Duration = .seconds(1), compiledBudget: Int = 16 << 20,
                            logger: Logger = Logger(label: "promptops.snapshot")) {
        self.init(store: store, maxAge: maxAge, compiledBudget: compiledBudget, logger: logger, duringBuild: {})
    }

    init(store: ServingStore, maxAge: Duration, compiledBudget: Int, logger: Logger = Logger(label: "promptops.snapshot"),
         duringBuild: @escaping @Sendable () -> Void) {
        self.duringBuild = duringBuild
        self.logger = logger
        self.store = store
        self.maxAge = maxAge
        self.compiled = CompiledVersionCache(store: store, budget: compiledBudget)
    }

    /// How many tables have been built (the first one, and one per refresh that found a change).
    public var loadCount: Int { builds.withLockedValue { $0 } }


    /// How many template versions have been compiled for `render` (each once, then reused).
    public var compileCount: Int { compiled.compileCount }

    /// The served Deployment `namespace/name`, or nil when none is served.
    func entry(namespace: String, name: String) throws(StoreError) -> Entry? {
        try table().entries[namespace]?[name]
    }

    /// The entry in the current table, without ever building one (nil before the first
    /// table too): for the event loop's resolve answer, which must not read the store.
    func currentEntry(namespace: String, name: String) -> Entry? {
        current.withLockedValue { $0 }?.entries[namespace]?[name]
    }

    /// The current table; the first call builds it when no refresh did yet.
    func table() throws(StoreError) -> Table {
        if let table = current.withLockedValue({ $0 }) { return table }
        try refresh()
        return current.withLockedValue { $0 } ?? Table(entries: [:], marker: 0)
    }

    /// Brings the table up to date with the store, off the request path: nothing when the
    /// audit head has not moved, else the Deployments of the namespaces audited since are read
    /// again (all of them the first time), their served versions compiled, and the new table
    /// swapped in. Returns whether a table was built.
    @discardableResult
    public func refresh() throws(StoreError) -> Bool {
        refreshLock.lock()
        defer { refreshLock.unlock() }
        let old = current.withLockedValue { $0 }
        // The head is read before the rows: a change landing in between is seen again at the
        // next refresh, never missed.
        let head = try store.servingHead()
        if let old, old.marker == head { return false }
        var entries: [String: [String: Entry]]
        var fresh: [DeploymentStatus]
        if let old, let namespaces = try store.namespacesChanged(after: old.marker) {
            // Namespace by namespace: replacing one copies the outer table only, not every entry.
            entries = old.entries
            for namespace in namespaces { entries[namespace] = nil }
            fresh = []
            for namespace in namespaces.sorted() { fresh += try store.deployments(namespace: namespace) }
        } else {
            entries = [:]
            fresh = try store.deployments()
        }
        LongLivedHeap.run {
            for d in fresh {
                // Keyed by the entry's own strings, not the row's.
                let entry = Entry(d)
                entries[entry.namespace, default: [:]][entry.name] = entry
            }
        }
        for d in fresh {
            compiled.warm(namespace: d.namespace, template: d.template, version: d.stable.version, hash: d.stable.hash)
            if let canary = d.canary {
                compiled.warm(namespace: d.namespace, template: d.template, version: canary.version, hash: canary.hash)
            }
        }
        duringBuild()
        let table = Table(entries: entries, marker: head)
        current.withLockedValue { $0 = table }
        builds.withLockedValue { $0 += 1 }
        return true
    }

    /// Asks for a refresh soon, on NIO's blocking thread pool (the caller does not wait):
    /// the controller calls it after each pass and rollout step.
    public func invalidate() {
        NIOThreadPool.singleton.submit { [self] state in
            guard state == .active else { return }
            refreshReportingFailure()
        }
    }

    /// Refreshes; a failure is logged (the table stays as it was), not thrown.
    public func refreshReportingFailure() {
        do {
            try refresh()
        } catch {
            logger.error("the serving table could not be refreshed; it keeps serving what it held", metadata: ["error": "\(error)"])
        }
    }

    /// Refreshes on NIO's blocking thread pool and waits for it.
    public func refreshOffPool() async throws {
        _ = try await NIOThreadPool.singleton.runIfActive { [self] in try refresh() }
    }

    /// As a service: compares the audit head every `maxAge` until shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.maxAge)
                if Task.isCancelled { break }
                _ = try? await NIOThreadPool.singleton.runIfActive { self.refreshReportingFailure() }
            }
        }
    }
}
