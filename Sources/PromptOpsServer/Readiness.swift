import NIOConcurrencyHelpers

/// Whether the endpoint may take traffic: the store is open and one sync pass of every
/// source has succeeded, so `/readyz` does not send apps to a server that would answer "no
/// such deployment" for everything while the first pass runs, or after it failed.
public final class Readiness: Sendable {
    private struct State {
        var storeOpen: Bool
        var synced: Bool
        /// Sources that passed successfully, and how many must (several sources: each one).
        var passed: Set<String> = []
        var expected = 1
        /// Sources whose passes failed so far, none having succeeded yet.
        var failing: Set<String> = []
        /// The sources that must each succeed once (by name; nil: `expected` many).
        var names: Set<String>?

        mutating func update() {
            if let names { if names.isSubset(of: passed) { synced = true } } else if passed.count >= expected { synced = true }
        }
    }

    private let state: NIOLockedValueBox<State>

    /// Creates the flag; `storeOpen` is true by default because a `ServingStore` only exists
    /// once its file is open and migrated.
    public init(storeOpen: Bool = true, expectedPasses: Int = 1) {
        var initial = State(storeOpen: storeOpen, synced: false)
        initial.expected = max(1, expectedPasses)
        state = NIOLockedValueBox(initial)
    }

    /// Creates the flag for named sources: ready once each of them has succeeded once.
    public init(sources: Set<String>) {
        var initial = State(storeOpen: true, synced: false)
        initial.names = sources
        state = NIOLockedValueBox(initial)
    }

    /// The sources that must each succeed once (config reload: a removed source no longer
    /// holds readiness back; an added one does until it succeeds, if not ready yet).
    public func expect(sources: Set<String>) {
        state.withLockedValue { s in
            s.names = sources
            s.failing.formIntersection(sources)
            s.update()
        }
    }

    /// Records that a pass of `source` succeeded; ready once each expected source has.
    public func markSynced(source: String) {
        state.withLockedValue { s in
            s.passed.insert(source)
            s.failing.remove(source)
            s.update()
        }
    }

    /// Records that a pass of `source` failed (git, store, an unverified commit): until one
    /// succeeds, `/readyz` names it.
    public func markFailed(source: String) {
        state.withLockedValue { s in
            if !s.passed.contains(source) { s.failing.insert(source) }
        }
    }

    /// Records that a sync pass succeeded (one-source callers and tests).
    public func markSynced() {
        state.withLockedValue { $0.synced = true }
    }

    /// Records whether the store is open (the controller clears it when it closes the store).
    public func setStoreOpen(_ open: Bool) {
        state.withLockedValue { $0.storeOpen = open }
    }

    /// True once the store is open and one sync pass has finished.
    public var isReady: Bool {
        state.withLockedValue { $0.storeOpen && $0.synced }
    }

    /// Why the endpoint is not ready, or nil when it is.
    var reasonNotReady: String? {
        state.withLockedValue { s in
            if !s.storeOpen { return "the serving store is not open" }
            if !s.synced {
                // Names only: the errors themselves are in the (authenticated) status.
                if !s.failing.isEmpty {
                    return "no successful sync pass yet; failing: " + s.failing.sorted().map { "source '\($0)'" }.joined(separator: ", ")
                }
                return "no sync pass has succeeded yet"
            }
            return nil
        }
    }
}
