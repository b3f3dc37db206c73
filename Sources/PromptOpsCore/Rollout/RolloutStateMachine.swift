import Foundation

/// The rollout of one Deployment: which version is stable, which is the canary, how far the
/// canary's steps got, and the analysis evidence so far.
///
/// A pure value. The controller feeds it ``RolloutEvent``s with the current time, executes the
/// returned ``RolloutAction``s in order, and persists the whole value as JSON after every call;
/// decoding it after a crash resumes at the same step with the same measurements.
///
/// Semantics in brief (each transition records its reason in ``lastTransition``):
/// - At most one step is **entered** per ``handle(_:now:)`` call, so weights never jump: a
///   `setWeight` step is applied when entered and completes on the next call; ``nextWakeUp`` then
///   says "now". A timed `pause` completes when its duration has passed since it was entered; a
///   `pause` without duration moves to Paused until `promote`; an `analysis` step requests its
///   first round when entered, then one round each `interval`, `count` rounds in all.
/// - `promote` completes the current step now — a pause, a running or paused analysis — and
///   enters the next one; on the last step it promotes the canary.
/// - The steps and analysis a canary runs with are captured when it starts; a Deployment edit
///   for the same version takes effect with the next version (or a `retry`).
/// - A rolled-back or aborted hash is never started again by `.desired`; Degraded means "git
///   asks for a version that is not served": after a rollback, or when git moves to an aborted
///   version (any other canary is cancelled, `.blocked` is emitted once). Going back to the
///   stable version returns to Healthy; `retry` starts the desired version again.
public struct RolloutStateMachine: Codable, Sendable, Equatable {
    /// A template version: its number and effective content hash.
    public struct VersionRef: Codable, Sendable, Hashable, CustomStringConvertible {
        /// The version number.
        public var version: Int
        /// Its effective content hash (SHA-256 hex).
        public var hash: String

        /// Creates a reference.
        public init(version: Int, hash: String) {
            self.version = version
            self.hash = hash
        }

        /// `v3 (1a2b3c4d)`.
        public var description: String { "v\(version) (\(hash.prefix(8)))" }
    }

    /// The rollout phase.
    public enum Phase: String, Codable, Sendable, Hashable, CaseIterable {
        /// The stable version serves everything the Deployment asks for.
        case healthy = "Healthy"
        /// A canary is going through its steps.
        case progressing = "Progressing"
        /// A canary waits for a person (manual pause, inconclusive analysis, provider errors).
        case paused = "Paused"
        /// The desired version was rolled back or is blocked as aborted; stable serves.
        case degraded = "Degraded"
    }

    /// The last phase or version change, with its reason (`from == to` for changes that keep
    /// the phase, such as a supersede).
    public struct Transition: Codable, Sendable, Equatable {
        /// The phase before.
        public var from: Phase
        /// The phase after.
        public var to: Phase
        /// Why, in words a person can act on.
        public var reason: String
        /// When.
        public var at: Date
    }

    /// The version git asks for, with the rollout spec it came with.
    public struct Desired: Codable, Sendable, Equatable {
        /// The desired version.
        public var version: VersionRef
        /// Strategy, steps and analysis of the Deployment at that time.
        public var spec: RolloutSpec
    }

    /// The phase.
    public internal(set) var phase: Phase = .healthy
    /// The version serving every key not routed to the canary; nil before the first rollout.
    public internal(set) var stable: VersionRef?
    /// The version under test, when a canary runs.
    public internal(set) var canary: VersionRef?
    /// Percent of keys routed to the canary (0…100).
    public internal(set) var canaryWeight = 0
    /// Index of the current step of the canary's ``spec``; nil without a canary.
    public internal(set) var stepIndex: Int?
    /// When the current step was entered.
    public internal(set) var stepStartedAt: Date?
    /// The analysis run of the current `analysis` step.
    public internal(set) var analysis: AnalysisRun?
    /// Hashes rolled back or aborted; never rolled out again until `retry` (sorted).
    public internal(set) var abortedHashes: [String] = []
    /// The last transition and its reason.
    public internal(set) var lastTransition: Transition?
    /// The spec the running canary was started with.
    public internal(set) var spec: RolloutSpec?
    /// The last desired version and spec received (what `retry` starts again).
    public internal(set) var desired: Desired?
    /// The id of the next measurement round requested; never reused.
    public internal(set) var nextRound = 1

    /// A rollout with nothing deployed yet, or already serving `stable` (e.g. a Deployment
    /// served before rollouts were tracked).
    public init(stable: VersionRef? = nil) {
        self.stable = stable
    }

    /// Applies one event at time `now` and returns what the controller must do, in order.
    public mutating func handle(_ event: RolloutEvent, now: Date) -> [RolloutAction] {
        switch event {
        case let .desired(version, strategy, steps, analysis):
            return desire(version, RolloutSpec(strategy: strategy, steps: steps, analysis: analysis), now: now)
        case .tick:
            return advance(now: now)
        case let .measured(results, round):
            return measured(results, round: round, now: now)
        case .promote(let actor):
            return promote(by: actor, now: now)
        case .abort(let actor):
            return abort(by: actor, now: now)
        case .retry(let actor):
            return retry(by: actor, now: now)
        }
    }

    /// The canary's share of keys in percent (0 without a canary).
    public var servingWeight: Int { canary == nil ? 0 : canaryWeight }

    /// The canary's current step, when one runs.
    public var currentStep: Deployment.Step? {
        guard canary != nil, let stepIndex, let steps = spec?.steps, steps.indices.contains(stepIndex) else { return nil }
        return steps[stepIndex]
    }

    /// The measurements of the current analysis run, round after round (empty outside one).
    public var measurementsOfCurrentAnalysis: [MetricMeasurement] { analysis?.measurements ?? [] }

    /// Whether `hash` was rolled back or aborted and waits for `retry`.
    public func isAborted(_ hash: String) -> Bool { abortedHashes.contains(hash) }

    /// When the controller should send the next `.tick`: the start time of a `setWeight` step
    /// (meaning "now"), the end of a timed pause, the next measurement; nil when only an event
    /// from outside (git, a person, a measurement result) can move the rollout.
    public var nextWakeUp: Date? {
        guard canary != nil, phase == .progressing, let started = stepStartedAt, let step = currentStep else { return nil }
        switch step {
        case .setWeight: return started
        case .pause(let duration?): return started.adding(duration)
        case .pause(nil): return nil
        case .analysis:
            // An Experiment's horizon wakes the machine too.
            let horizon = spec?.analysis?.maxDuration.map { started.adding($0) }
            guard let next = analysis?.nextMeasurementAt else { return horizon }
            return horizon.map { min($0, next) } ?? next
        }
    }
}

extension Date {
    /// This date moved by an exact `Duration`.
    func adding(_ duration: Duration) -> Date {
        let (seconds, attoseconds) = duration.components
        return addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
