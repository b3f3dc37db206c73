/// Something the controller must do or record after a ``RolloutStateMachine`` transition.
///
/// Actions come in the order to execute them. The machine's state is the truth for what
/// serves (``RolloutStateMachine/stable``, ``RolloutStateMachine/canary``,
/// ``RolloutStateMachine/servingWeight``); actions are the side effects and the audit trail.
public enum RolloutAction: Sendable, Equatable {
    /// Route this percent of keys to the canary; emitted whenever the canary weight changes.
    case setWeight(Int)
    /// Run these metric providers and send back ``RolloutEvent/measured(_:round:)`` with
    /// `round`. A round id is unique for the machine's lifetime; it is requested again with the
    /// same id when no result came within the analysis interval (a lost request, a restart).
    case measure(metrics: [Deployment.Metric], round: Int)
    /// The canary became the stable version and serves all keys.
    case promoted(RolloutStateMachine.VersionRef)
    /// The canary was taken out of traffic and its hash recorded as aborted.
    case rolledBack(RolloutStateMachine.VersionRef, evidence: [MetricMeasurement], reason: String)
    /// A newer version replaced a running canary; the steps start again for `new`.
    case superseded(old: RolloutStateMachine.VersionRef, new: RolloutStateMachine.VersionRef)
    /// The canary was dropped without verdict (git went back to stable, or another version won).
    case cancelled(RolloutStateMachine.VersionRef)
    /// The rollout waits for a person (`promote` continues, `abort` rolls back).
    case paused(reason: String)
    /// The stable version was replaced at once (Direct strategy or first rollout).
    case switched(from: RolloutStateMachine.VersionRef?, to: RolloutStateMachine.VersionRef)
    /// The desired version was aborted before and is not rolled out again until `retry`.
    case blocked(RolloutStateMachine.VersionRef, reason: String)
    /// The phase changed; to be turned into an event and an audit record.
    case transition(from: RolloutStateMachine.Phase, to: RolloutStateMachine.Phase, reason: String)
    /// The event did not apply (a command with nothing to act on, a stale measurement).
    case ignored(reason: String)
}
