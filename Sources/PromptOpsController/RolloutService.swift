import Foundation
import Tracing
import Logging
import ServiceLifecycle

/// Advances canary rollouts in their own task, apart from the sources' poll loops: a slow
/// evaluation never delays a fetch, and a slow or hung fetch never delays a rollout step.
/// Runs when a step is due, when a pass finished (``wake``), and at least every `idle`.
public struct RolloutService: Service {
    let reconcilers: @Sendable () async -> [Reconciler]
    let driver: RolloutDriver
    let logger: Logger
    let idle: Duration
    /// Signalled after each sync pass (new versions may start canaries).
    public let wake: WakeSignal
    let onRollouts: @Sendable () -> Void

    /// Creates the service.
    public init(reconcilers: [Reconciler], driver: RolloutDriver, logger: Logger, idle: Duration = .seconds(30),
                wake: WakeSignal = WakeSignal(), onRollouts: @escaping @Sendable () -> Void = {}) {
        self.init(reconcilers: { reconcilers }, driver: driver, logger: logger, idle: idle, wake: wake, onRollouts: onRollouts)
    }

    /// Creates the service over a set of sources that changes while it runs (config reload).
    public init(reconcilers: @escaping @Sendable () async -> [Reconciler], driver: RolloutDriver, logger: Logger,
                idle: Duration = .seconds(30), wake: WakeSignal = WakeSignal(), onRollouts: @escaping @Sendable () -> Void = {}) {
        self.reconcilers = reconcilers
        self.driver = driver
        self.logger = logger
        self.idle = idle
        self.wake = wake
        self.onRollouts = onRollouts
    }

    /// Runs until graceful shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var targets: [RolloutTarget] = []
            for reconciler in await reconcilers() {
                if let more = try? await reconciler.rolloutTargets() { targets += more }
            }
            var delay = idle
            if !targets.isEmpty {
                // One span per round of the canaries (a no-op unless tracing is bootstrapped).
                let span = startSpan("rollouts")
                span.attributes["promptops.deployments"] = targets.count
                let next = await ServiceContext.withValue(span.context) { await driver.advance(targets) }
                span.end()
                if let next {
                    delay = min(delay, .milliseconds(Int64(max(0.05, next.timeIntervalSinceNow) * 1000)))
                }
                onRollouts()
            }
            let sleep = delay
            try? await cancelWhenGracefulShutdown { [wake] in _ = await wake.wait(timeout: sleep) }
        }
    }
}
