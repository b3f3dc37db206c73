/// Wakes a loop early, coalescing: any number of signals while the loop is busy leave one
/// queued wake-up (a webhook burst makes at most one pass in flight and one queued).
public final class WakeSignal: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    /// Creates a signal with nothing queued.
    public init() {
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a wake-up (dropped if one is already queued).
    public func signal() { continuation.yield() }

    /// Waits until signalled or `timeout` passed; true when signalled. Only one task may wait.
    public func wait(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                var iterator = self.stream.makeAsyncIterator()
                return await iterator.next() != nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
