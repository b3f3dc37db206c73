import Hummingbird
import NIOConcurrencyHelpers
import PromptOpsCore
import PromptOpsStore

/// What every Deployment serves, held in memory so `resolve` and `render` answer without a
/// database read: a table of (namespace, name) → template, versions and a pre-encoded
/// `resolve` answer.
///
/// The table is rebuilt when it is known to be stale: after ``invalidate()`` (the
/// controller calls it after each apply), or when the audit log has grown since the last
/// load — checked at most every `maxAge`, so a write by another process (a manual
/// `promptops rollout promote`) shows within that delay. Every change of what is served
/// writes an audit record in the same transaction, so the audit head is a sound and cheap
/// (one indexed row) change marker.
public final class ServingSnapshot: Sendable {
    /// One served Deployment, with its `resolve` answers encoded once per load.
    struct Entry: Sendable {
        /// The namespace.
        var namespace: String
        /// The Deployment.
        var name: String
        /// The template served.
        var template: String
        /// The stable version.
        var stable: VersionRef
        /// The canary, when one runs.
        var canary: CanaryState?
        /// The `resolve` answer for keys on the stable version.
        var stableResolveBody: ByteBuffer
        /// The `resolve` answer for keys on the canary, when one runs.
        var canaryResolveBody: ByteBuffer?

        /// Builds the entry of a served Deployment.
        init(_ d: DeploymentStatus) {
            namespace = d.namespace
            name = d.name
            template = d.template
            stable = d.stable
            canary = d.canary
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

    /// Identity of a Deployment.
    struct Key: Hashable, Sendable {
        var namespace: String
        var name: String
    }

    private struct State: Sendable {
        var table: [Key: Entry] = [:]
        /// Audit head seq when the table was loaded (0: empty log); nil: never loaded.
        var marker: Int64?
        /// Set by `invalidate()`: reload before the next answer.
        var stale = true
        /// Counts invalidations, so one arriving during a reload is not lost.
        var generation = 0
        /// When the marker was last compared with the store.
        var checkedAt: ContinuousClock.Instant?
        /// A request is comparing the marker now; the others keep using the table.
        var checking = false
    }

    private let store: ServingStore
    private let maxAge: Duration
    /// Compiled versions for `render`, shared by every request.
    let compiled: CompiledVersionCache
    private let state = NIOLockedValueBox(State())
    /// Serialises reloads so a burst of requests after an invalidation reloads once.
    private let reloadLock = NIOLock()
    /// How many times the table was loaded (tests check that hot paths do not reload).
    private let loadCounter = NIOLockedValueBox(0)

    /// Creates a snapshot of `store`; nothing is read until the first request.
    /// - Parameter maxAge: how long the table is trusted before the audit head is compared.
    public init(store: ServingStore, maxAge: Duration = .seconds(1)) {
        self.store = store
        self.maxAge = maxAge
        self.compiled = CompiledVersionCache(store: store)
    }

    /// Marks the table stale; the next request reloads it. Call after every apply or
    /// rollout step that changes what a Deployment serves.
    public func invalidate() {
        state.withLockedValue { s in
            s.stale = true
            s.generation += 1
        }
    }

    /// How many times the table has been loaded from the store.
    public var loadCount: Int { loadCounter.withLockedValue { $0 } }

    /// How many template versions have been compiled for `render` (each once, then reused).
    public var compileCount: Int { compiled.compileCount }

    /// The served Deployment `namespace/name`, or nil when none is served.
    func entry(namespace: String, name: String) throws(StoreError) -> Entry? {
        try table()[Key(namespace: namespace, name: name)]
    }

    /// The current table, reloading or re-checking it first when due.
    func table() throws(StoreError) -> [Key: Entry] {
        let now = ContinuousClock.now
        enum Next { case use([Key: Entry]), check([Key: Entry], Int64), reload }
        let next: Next = state.withLockedValue { s in
            guard !s.stale, let marker = s.marker else { return .reload }
            if let checked = s.checkedAt, now - checked < maxAge || s.checking { return .use(s.table) }
            s.checking = true
            return .check(s.table, marker)
        }
        switch next {
        case .use(let table):
            return table
        case .reload:
            return try reload()
        case .check(let table, let marker):
            let current: Int64
            do {
                current = try auditHead()
            } catch {
                state.withLockedValue { $0.checking = false }
                throw error
            }
            if current == marker {
                state.withLockedValue { s in
                    s.checking = false
                    s.checkedAt = now
                }
                return table
            }
            state.withLockedValue { s in
                s.checking = false
                s.stale = true
            }
            return try reload()
        }
    }

    private func auditHead() throws(StoreError) -> Int64 {
        try store.audit(limit: 1).last?.seq ?? 0
    }

    /// Loads the table unless another thread did while this one waited for the lock.
    private func reload() throws(StoreError) -> [Key: Entry] {
        reloadLock.lock()
        defer { reloadLock.unlock() }
        let (fresh, generation) = state.withLockedValue { s in (s.stale || s.marker == nil ? nil : s.table, s.generation) }
        if let fresh { return fresh }
        // The marker is read before the rows: a change landing in between is seen as a newer
        // marker at the next check, never missed.
        let marker = try auditHead()
        var table: [Key: Entry] = [:]
        for d in try store.deployments() {
            table[Key(namespace: d.namespace, name: d.name)] = Entry(d)
        }
        let loaded = table
        state.withLockedValue { s in
            s.table = loaded
            s.marker = marker
            s.stale = s.generation != generation
            s.checkedAt = ContinuousClock.now
        }
        loadCounter.withLockedValue { $0 += 1 }
        return table
    }
}
