import Foundation
import Logging
import PromptOpsCore
import PromptOpsHeap
import ServiceLifecycle

/// The long-running poll loop: reconcile at `interval` (with jitter); on a git or store
/// failure keep serving the last applied state, report it, and retry with capped
/// exponential backoff that resets on success. Stops at graceful shutdown (SIGTERM/SIGINT).
public struct ControllerService: Service {
    /// The reconciler.
    let reconciler: Reconciler
    /// Time between polls.
    let interval: Duration
    /// Log sink.
    let logger: Logger
    /// Called after every pass with its outcome (metrics, readiness).
    let onPass: @Sendable (Result<SyncReport, SyncFailure>, Duration) -> Void
    /// Wakes the loop before the interval ends (webhooks, a namespace changing hands).
    let wake: WakeSignal?

    /// Creates the service.
    /// Rollouts are not advanced here: ``RolloutService`` runs them in their own task, so a slow
    /// analysis never delays a fetch.
    public init(reconciler: Reconciler, interval: Duration, logger: Logger,
                onPass: @escaping @Sendable (Result<SyncReport, SyncFailure>, Duration) -> Void = { _, _ in }, wake: WakeSignal? = nil) {
        self.wake = wake
        self.reconciler = reconciler
        self.interval = interval
        self.logger = logger
        self.onPass = onPass
    }

    /// Polls until graceful shutdown.
    public func run() async throws {
        var random = SystemRandomNumberGenerator()
        var backoff = RetryBackoff(base: min(interval, .seconds(1)), cap: max(interval * 10, .seconds(5)))
        var lastRevision: String?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let delay: Duration
            var trim = false
            let started = ContinuousClock.now
            do {
                let report = try await reconciler.reconcile()
                onPass(.success(report), report.duration)
                trim = report.filesRead > 0
                backoff.reset()
                // A pass over the revision already reported logs at debug, so a commit that
                // stays broken is reported once, not at every poll.
                Self.log(report, to: logger, quiet: report.revision == lastRevision && report.plan.namespaces.allSatisfy { $0.isEmpty || $0.outcome != .apply })
                lastRevision = report.revision
                delay = jittered(interval, using: &random)
            } catch {
                onPass(.failure(error), ContinuousClock.now - started)
                delay = backoff.nextDelay(using: &random)
                logger.error("sync failed; serving the last applied state", metadata: [
                    "error": "\(error)", "retryIn": "\(delay)", "failures": "\(backoff.failures)",
                ])
            }
            // The pass's report (and everything it planned) is gone by now.
            if trim { HeapTrim.release() }
            // Sleep, but wake at once on shutdown or when signalled.
            let sleep = delay
            try? await cancelWhenGracefulShutdown { [wake] in
                if let wake { _ = await wake.wait(timeout: sleep) } else { try await Task.sleep(for: sleep) }
            }
        }
        logger.debug("source loop stopped")
    }

    /// Logs a pass: info when something applied or failed, debug when nothing changed.
    public static func log(_ report: SyncReport, to logger: Logger, quiet: Bool = false) {
        let applied = report.plan.namespaces.filter { $0.outcome == .apply && !$0.isEmpty }
        let blocked = report.plan.namespaces.filter { $0.outcome == .blocked }
        let frozen = report.plan.namespaces.filter { if case .frozen = $0.outcome { return true }; return false }
        let level: Logger.Level = quiet || (applied.isEmpty && blocked.isEmpty && frozen.isEmpty) ? .debug : .info
        logger.log(level: level, "sync pass", metadata: [
            "revision": "\(report.revision.prefix(12))",
            "author": "\(report.commit.authorName)",
            "applied": "\(applied.map(\.name))",
            "blocked": "\(blocked.map(\.name))",
            "frozen": "\(frozen.map(\.name))",
            "newVersions": "\(report.plan.namespaces.reduce(0) { $0 + $1.newVersions.count })",
            "filesRead": "\(report.filesRead)",
            "narrowNamespaces": "\(report.narrowNamespaces)",
            "durationMs": "\(report.duration.components.seconds * 1000 + report.duration.components.attoseconds / 1_000_000_000_000_000)",
            "stagesMs": "\(report.stages)",
        ])
        for ns in blocked {
            for error in ns.errors.prefix(20) {
                logger.log(level: quiet ? .debug : .warning, "namespace blocked", metadata: ["namespace": "\(ns.name)", "error": "\(error)"])
            }
        }
        for error in report.refused.prefix(20) {
            logger.log(level: quiet ? .debug : .warning, "object refused", metadata: ["error": "\(error)"])
        }
        for problem in report.unread.prefix(20) {
            logger.log(level: quiet ? .debug : .warning, "path not read", metadata: ["problem": "\(problem)"])
        }
        if let from = report.forcePushedFrom {
            logger.warning("branch force-pushed: the new head does not descend from the applied revision; applied it", metadata: [
                "from": "\(from.prefix(12))", "to": "\(report.revision.prefix(12))",
            ])
        }
        if let why = report.recloned {
            logger.warning("cached clone was corrupted: removed it and cloned again", metadata: ["error": "\(why)"])
        }
    }
}
