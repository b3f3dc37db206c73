import Foundation
import Logging
import PromptOpsAnalysis
import PromptOpsCore
import PromptOpsStore

/// A Canary Deployment the driver advances, with what git wants it to serve.
public struct RolloutTarget: Sendable {
    /// The namespace.
    public var namespace: String
    /// The Deployment as written in git.
    public var deployment: Deployment
    /// The template version git wants served (nil while the namespace is blocked: the
    /// running rollout still advances, but no new version starts).
    public var desired: RolloutStateMachine.VersionRef?
}

/// Advances every Canary Deployment's rollout: loads its state machine from the store, feeds
/// it what git wants and the passing time, runs the measurements it asks for (real metric
/// providers over HTTP), and saves the new state with its events and audit records in one
/// transaction. The state lives only in the store, so the controller can be killed at any
/// moment and resumes at the same step with the same measurements; a manual override saved
/// in between (a newer generation) makes the driver reload and handle again.
public actor RolloutDriver {
    let store: ServingStore
    let runner: MetricRunner
    let now: @Sendable () -> Date
    let logger: Logger

    /// Creates a driver.
    public init(store: ServingStore, runner: MetricRunner, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.runner = runner
        self.logger = logger
        self.now = now
    }

    /// Advances every target once; returns when the driver next needs to run (nil: only
    /// when git changes).
    public func advance(_ targets: [RolloutTarget]) async -> Date? {
        var wake: Date?
        for target in targets {
            do {
                if let next = try await advance(target) { wake = min(wake ?? next, next) }
            } catch {
                logger.error("rollout failed to advance", metadata: [
                    "deployment": "\(target.namespace)/\(target.deployment.meta.name)", "error": "\(error)",
                ])
            }
        }
        return wake
    }

    /// Advances one Deployment; retries when a concurrent save (a manual override) won.
    func advance(_ target: RolloutTarget) async throws -> Date? {
        let name = target.deployment.meta.name
        for _ in 0..<5 {
            let record = try store.rollout(namespace: target.namespace, deployment: name)
            var machine: RolloutStateMachine
            if let record {
                machine = record.machine
            } else {
                guard let row = try store.deployment(namespace: target.namespace, name: name) else { return nil }
                machine = RolloutStateMachine(stable: .init(version: row.stable.version, hash: row.stable.hash))
            }
            var actions: [RolloutAction] = []
            var measured: [TakenMeasurement] = []
            if let desired = target.desired {
                actions += machine.handle(.desired(version: desired, strategy: target.deployment.strategy,
                                                   steps: target.deployment.steps, analysis: target.deployment.analysis), now: now())
            }
            // Progress as far as time allows now: steps complete, due measurements are taken
            // and fed back. Bounded, though every loop either progresses or stops.
            var requests = Self.measurementRequests(actions)
            for _ in 0..<64 {
                var step: [RolloutAction] = []
                for request in requests {
                    let canary = machine.canary
                    let results = await measure(request.metrics, target: target, canary: canary, stable: machine.stable,
                                                strategy: machine.spec?.strategy ?? target.deployment.strategy)
                    let at = now()
                    // Stored as the machine records them (the judge's with its standing).
                    let recorded = machine.recorded(results, round: request.round, now: at)
                    measured += (recorded.isEmpty ? results : recorded).map { TakenMeasurement(round: request.round, canary: canary, measurement: $0) }
                    step += machine.handle(.measured(results, round: request.round), now: at)
                }
                step += machine.handle(.tick, now: now())
                actions += step
                requests = Self.measurementRequests(step)
                if requests.isEmpty && !step.contains(where: Self.isProgress) { break }
                // A judge round is many model calls: save after each, so a long round that
                // makes the next one due at once neither holds the other Deployments nor
                // loses rounds to a restart (the next pass takes the next round).
                if measured.contains(where: { $0.measurement.metric == Deployment.Judge.metricName }) {
                    // A round already requested (the last one ran past the interval) is not
                    // taken now: released, it is requested afresh on the next pass at once.
                    if !requests.isEmpty { machine.releaseRequestedRound(now: now()) }
                    break
                }
            }
            actions = actions.filter(Self.isProgress)
            if record != nil && actions.isEmpty && measured.isEmpty { return machine.nextWakeUp }
            if record == nil && actions.isEmpty && machine.canary == nil { return machine.nextWakeUp }
            let saved = try store.saveRollout(namespace: target.namespace, deployment: name, machine: machine,
                                              expectedGeneration: record?.generation, actions: actions,
                                              measurements: measured, now: now())
            if saved {
                for action in actions { log(action, target: target) }
                return machine.nextWakeUp
            }
        }
        logger.warning("rollout kept changing under the driver; will retry", metadata: ["deployment": "\(target.namespace)/\(name)"])
        return now()
    }

    static func isProgress(_ action: RolloutAction) -> Bool {
        switch action {
        case .ignored, .measure: return false
        default: return true
        }
    }

    static func measurementRequests(_ actions: [RolloutAction]) -> [(metrics: [Deployment.Metric], round: Int)] {
        actions.compactMap { action in
            if case .measure(let metrics, let round) = action { return (metrics, round) }
            return nil
        }
    }

    /// Runs the requested metrics against the canary version.
    /// The judge (``Deployment/Provider/comparative(_:)``) also gets the stable version, with
    /// the canary's tests: both versions run the same tests.
    /// - Parameter strategy: the running rollout's (captured when it started, like its thresholds).
    func measure(_ metrics: [Deployment.Metric], target: RolloutTarget, canary: RolloutStateMachine.VersionRef?,
                 stable: RolloutStateMachine.VersionRef?, strategy: Deployment.StrategyType) async -> [MetricMeasurement] {
        func needs(_ test: (Deployment.Provider) -> Bool) -> Bool { metrics.contains { test($0.provider) } }
        let judged = needs { if case .comparative = $0 { return true }; return false }
        var input: EvaluationInput?
        if let canary, judged || needs({ if case .evaluation = $0 { return true }; return false }) {
            input = loadInput(target, version: canary.version)
        }
        var stableInput: EvaluationInput?
        if judged, let stable, let input, let loaded = loadInput(target, version: stable.version) {
            stableInput = EvaluationInput(namespace: loaded.namespace, template: loaded.template, tests: input.tests)
        }
        var out: [MetricMeasurement] = []
        for metric in metrics {
            if metric.isPerVariant && strategy == .experiment {
                // Both variants, then the effect: an Experiment compares, a Canary guards.
                let canary = await runner.measure(metric.forVariant("canary"), evaluation: nil, now: now())
                let stable = await runner.measure(metric.forVariant("stable"), evaluation: nil, now: now())
                out.append(.effect(of: metric, canary: canary, stable: stable, at: now()))
            } else {
                out.append(await runner.measure(metric.forVariant("canary"), evaluation: input, stable: stableInput, now: now()))
            }
        }
        return out
    }

    private func loadInput(_ target: RolloutTarget, version: Int) -> EvaluationInput? {
        guard let stored = try? store.templateVersion(namespace: target.namespace, name: target.deployment.template, version: version)
        else { return nil }
        return EvaluationInput(effectiveJSON: stored.effective.text, namespace: target.namespace, template: target.deployment.template)
    }

    func log(_ action: RolloutAction, target: RolloutTarget) {
        let who = "\(target.namespace)/\(target.deployment.meta.name)"
        switch action {
        case .promoted(let v): logger.info("canary promoted", metadata: ["deployment": "\(who)", "version": "\(v.version)"])
        case .rolledBack(let v, _, let reason): logger.warning("canary rolled back", metadata: ["deployment": "\(who)", "version": "\(v.version)", "reason": "\(reason)"])
        case .setWeight(let w): logger.info("canary weight", metadata: ["deployment": "\(who)", "weight": "\(w)"])
        case .transition(let from, let to, let reason): logger.info("rollout phase", metadata: ["deployment": "\(who)", "from": "\(from.rawValue)", "to": "\(to.rawValue)", "reason": "\(reason)"])
        case .superseded(let old, let new): logger.info("canary superseded", metadata: ["deployment": "\(who)", "old": "\(old.version)", "new": "\(new.version)"])
        case .cancelled(let v): logger.info("canary cancelled", metadata: ["deployment": "\(who)", "version": "\(v.version)"])
        case .paused(let reason): logger.warning("rollout paused", metadata: ["deployment": "\(who)", "reason": "\(reason)"])
        case .blocked(let v, let reason): logger.warning("version blocked", metadata: ["deployment": "\(who)", "version": "\(v.version)", "reason": "\(reason)"])
        default: break
        }
    }
}
