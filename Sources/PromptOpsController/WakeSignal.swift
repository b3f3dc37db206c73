import NIOConcurrencyHelpers

/// Wakes a loop early, coalescing: any number of signals while the loop is busy leave one
/// queued wake-up (a webhook burst makes at most one pass in flight and one queued).
///
/// A flag and one waiting continuation under a lock, rather than an `AsyncStream`: cancelling a
/// waiting `next()` (the timeout winning) would end such a stream for good.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Bool, Never>?
        var generation = 0
    }

    private let state = NIOLockedValueBox(State())

    /// Creates a signal with nothing queued.
    public init() {}

    /// Queues a wake-up, or wakes the waiting task (dropped if one is already queued).
    public func signal() {
        let waiter = state.withLockedValue { s -> CheckedContinuation<Bool, Never>? in
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.pending = true
            return nil
        }
        waiter?.resume(returning: true)
    }

    /// Waits until signalled or `timeout` passed (or the task is cancelled); true when
    /// signalled. One task waits at a time.
    public func wait(timeout: Duration) async -> Bool {
        let queued = state.withLockedValue { s -> Bool in
            if s.pending { s.pending = false; return true }
            return false
        }
        if queued { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let generation = state.withLockedValue { s -> Int? in
                    if s.pending {
                        s.pending = false
                        return nil
                    }
                    s.generation += 1
                    s.waiter = continuation
                    return s.generation
                }
                guard let generation else { return continuation.resume(returning: true) }
                Task { [state] in
                    try? await Task.sleep(for: timeout)
                    Self.expire(state, generation: generation)
                }
            }
        } onCancel: {
            let waiter = state.withLockedValue { s -> CheckedContinuation<Bool, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume(returning: false)
        }
    }

    /// Resumes the waiter of `generation` with false, if it still waits.
    private static func expire(_ state: NIOLockedValueBox<State>, generation: Int) {
        let waiter = state.withLockedValue { s -> CheckedContinuation<Bool, Never>? in
            guard s.generation == generation, let w = s.waiter else { return nil }
            s.waiter = nil
            return w
        }
        waiter?.resume(returning: false)
    }
}
