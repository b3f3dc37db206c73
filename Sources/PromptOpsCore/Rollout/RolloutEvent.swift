/// Something the controller tells a ``RolloutStateMachine``.
public enum RolloutEvent: Sendable, Equatable {
    /// What git says the Deployment should serve; sent on every reconcile pass (idempotent).
    case desired(
        version: RolloutStateMachine.VersionRef, strategy: Deployment.StrategyType,
        steps: [Deployment.Step], analysis: Deployment.Analysis?)
    /// Time has passed: complete timed steps and request due measurements.
    case tick
    /// The results of one measurement round, one per metric; `round` echoes the `round` of the
    /// ``RolloutAction/measure(metrics:round:)`` that asked for them (other rounds are ignored).
    case measured([MetricMeasurement], round: Int)
    /// A person completes the current step now (see ``RolloutStateMachine``).
    case promote(actor: String)
    /// A person rolls the canary back; its version is recorded as aborted.
    case abort(actor: String)
    /// A person clears the abort of the desired version and starts its rollout again.
    case retry(actor: String)
}

extension RolloutEvent {
    /// The desired event for a Deployment serving `version`.
    public static func desired(_ version: RolloutStateMachine.VersionRef, of deployment: Deployment) -> RolloutEvent {
        .desired(version: version, strategy: deployment.strategy, steps: deployment.steps, analysis: deployment.analysis)
    }
}
