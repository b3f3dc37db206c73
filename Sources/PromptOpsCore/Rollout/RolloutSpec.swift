/// What a rollout runs with: the Deployment's strategy, canary steps and analysis.
///
/// The state machine captures a copy when a canary starts and runs that canary with it to the
/// end, so an edit of the Deployment mid-rollout applies from the next version (or a `retry`).
/// The API types carry no `Codable`; this type encodes them for the persisted rollout state
/// (see `RolloutSpec+Codable.swift`).
public struct RolloutSpec: Sendable, Equatable {
    /// Canary or Direct.
    public var strategy: Deployment.StrategyType
    /// Canary steps, in order.
    public var steps: [Deployment.Step]
    /// Analysis configuration for `analysis` steps.
    public var analysis: Deployment.Analysis?

    /// Creates a spec.
    public init(strategy: Deployment.StrategyType, steps: [Deployment.Step], analysis: Deployment.Analysis?) {
        self.strategy = strategy
        self.steps = steps
        self.analysis = analysis
    }

    /// The rollout part of a Deployment.
    public init(_ deployment: Deployment) {
        self.init(strategy: deployment.strategy, steps: deployment.steps, analysis: deployment.analysis)
    }
}
