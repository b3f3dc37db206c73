import Foundation
import Logging
import PromptOpsCore
import PromptOpsStore
import ServiceLifecycle

/// Prunes events, measurements and deployment history beyond the retention policy: once at
/// start, then every `policy.interval`. The deletes run on a thread of their own, in small
/// transactions (``ServingStore/prune(_:now:)``), so neither Swift's cooperative pool nor the
/// store's writer is held for long.
public struct RetentionService: Service {
    let store: ServingStore
    let policy: RetentionPolicy
    let clock: @Sendable () -> Date
    let logger: Logger

    /// Creates the service.
    public init(store: ServingStore, policy: RetentionPolicy, clock: @escaping @Sendable () -> Date = Date.init, logger: Logger) {
        self.store = store
        self.policy = policy
        self.clock = clock
        self.logger = logger
    }

    /// Runs until graceful shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let (store, policy, now) = (self.store, self.policy, clock())
            let outcome: Result<PruneReport, StoreError> = await withCheckedContinuation { continuation in
                Thread.detachNewThread {
                    continuation.resume(returning: Result { () throws(StoreError) in try store.prune(policy, now: now) })
                }
            }
            switch outcome {
            case .success(let report) where !report.isEmpty:
                logger.info("pruned the store", metadata: [
                    "events": "\(report.events)", "measurements": "\(report.measurements)", "history": "\(report.history)",
                ])
            case .success: break
            case .failure(let error):
                logger.warning("pruning the store failed; retrying at the next interval", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: policy.interval) }
        }
    }
}
