import NIOConcurrencyHelpers

/// Whether the endpoint may take traffic: the store is open and one sync pass has finished,
/// so `/readyz` does not send apps to a server that would answer "no such deployment" for
/// everything while the first pass still runs.
public final class Readiness: Sendable {
    private struct State {
        var storeOpen: Bool
        var synced: Bool
        /// Sources that finished a pass, and how many must (several sources: each one).
        var passed: Set<String> = []
        var expected = 1
    }

    private let state: NIOLockedValueBox<State>

    /// Creates the flag; `storeOpen` is true by default because a `ServingStore` only exists
    /// once its file is open and migrated.
    public init(storeOpen: Bool = true, expectedPasses: Int = 1) {
        var initial = State(storeOpen: storeOpen, synced: false)
        initial.expected = max(1, expectedPasses)
        state = NIOLockedValueBox(initial)
    }

    /// Records that `source` finished a pass; ready once each expected source has.
    public func markSynced(source: String) {
        state.withLockedValue { s in
            s.passed.insert(source)
            if s.passed.count >= s.expected { s.synced = true }
        }
    }

    /// Records that a sync pass finished (successfully or not: a pass that failed on git
    /// still leaves the last applied state servable).
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
            if !s.synced { return "no sync pass has finished yet" }
            return nil
        }
    }
}
