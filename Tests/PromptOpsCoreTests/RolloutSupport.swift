import Foundation
@testable import PromptOpsCore

typealias RolloutVersion = RolloutStateMachine.VersionRef

/// Template versions used across the rollout tests.
enum RolloutFixture {
    static let v1 = RolloutVersion(version: 1, hash: String(repeating: "a", count: 64))
    static let v2 = RolloutVersion(version: 2, hash: String(repeating: "b", count: 64))
    static let v3 = RolloutVersion(version: 3, hash: String(repeating: "c", count: 64))

    /// The start of every test clock: a whole second, so JSON dates round-trip exactly.
    static let epoch = Date(timeIntervalSince1970: 1_700_000_000)

    /// A metric judged against `[min, max]`.
    static func metric(_ name: String, min: Double? = nil, max: Double? = nil) -> Deployment.Metric {
        Deployment.Metric(name: name, provider: .web(url: "http://127.0.0.1:8099/\(name)", jsonPath: "$.score", timeout: .seconds(10)),
                          min: min, max: max)
    }

    /// An analysis of one metric `score` (success at ≥ 0.9), 3 rounds a minute apart.
    static func analysis(count: Int = 3, failureLimit: Int = 0, inconclusiveLimit: Int = 1, consecutiveErrorLimit: Int = 2,
                         metrics: [Deployment.Metric] = [metric("score", min: 0.9)]) -> Deployment.Analysis {
        Deployment.Analysis(interval: .seconds(60), count: count, failureLimit: failureLimit, inconclusiveLimit: inconclusiveLimit,
                            consecutiveErrorLimit: consecutiveErrorLimit, metrics: metrics)
    }

    /// The reference steps: 10 → analysis → 50 → 10m pause → analysis.
    static let referenceSteps: [Deployment.Step] = [.setWeight(10), .analysis, .setWeight(50), .pause(.seconds(600)), .analysis]
}

/// A controller stand-in: a test clock, the machine, and a log of every action with its time.
struct RolloutDriver {
    /// What a provider answers: a value (judged against the metric) or nil for a provider error.
    typealias Provider = @Sendable (_ metric: Deployment.Metric, _ roundOfRun: Int) -> Double??

    var machine = RolloutStateMachine()
    var now = RolloutFixture.epoch
    var log: [(at: Date, action: RolloutAction)] = []
    /// The measure requests not answered yet.
    var pending: [(metrics: [Deployment.Metric], round: Int)] = []

    init(stable: RolloutVersion? = nil) { machine = RolloutStateMachine(stable: stable) }

    /// Sends one event at the current time.
    @discardableResult
    mutating func send(_ event: RolloutEvent) -> [RolloutAction] {
        let actions = machine.handle(event, now: now)
        log += actions.map { (now, $0) }
        for case let .measure(metrics, round) in actions where !pending.contains(where: { $0.round == round }) {
            pending.append((metrics, round))
        }
        return actions
    }

    /// Sends `.desired` for `version` with the given steps and analysis.
    @discardableResult
    mutating func desire(_ version: RolloutVersion, strategy: Deployment.StrategyType = .canary,
                         steps: [Deployment.Step] = RolloutFixture.referenceSteps,
                         analysis: Deployment.Analysis? = RolloutFixture.analysis()) -> [RolloutAction] {
        send(.desired(version: version, strategy: strategy, steps: steps, analysis: analysis))
    }

    /// Moves the clock.
    mutating func advance(_ d: Duration) { now = now.adding(d) }

    /// Answers the oldest pending measure request with `provider` after `latency`.
    @discardableResult
    mutating func answer(after latency: Duration = .seconds(5), _ provider: Provider) -> [RolloutAction] {
        guard !pending.isEmpty else { return [] }
        let request = pending.removeFirst()
        advance(latency)
        let roundOfRun = (machine.analysis?.rounds.count ?? 0) + 1
        let results = request.metrics.map { metric -> MetricMeasurement in
            switch provider(metric, roundOfRun) {
            case .some(.some(let value)): return MetricMeasurement(metric: metric, value: value, at: now)
            case .some(.none): return MetricMeasurement(metric: metric, value: nil, at: now)
            case .none: return .error(metric: metric.name, message: "connection refused", at: now)
            }
        }
        return send(.measured(results, round: request.round))
    }

    /// Plays the controller until nothing moves without a person or git: ticks at every wake-up
    /// and answers every measurement with `provider`. Stops after `limit` steps as a guard.
    mutating func run(_ provider: Provider, limit: Int = 200) {
        for _ in 0..<limit {
            if !pending.isEmpty {
                answer(provider)
            } else if let wake = machine.nextWakeUp {
                if wake > now { now = wake }
                send(.tick)
            } else {
                return
            }
        }
    }

    /// The actions logged since index `from`.
    func actions(from: Int = 0) -> [RolloutAction] { log[from...].map(\.action) }

    /// The weights set, in order.
    var weights: [Int] { log.compactMap { if case .setWeight(let w) = $0.action { w } else { nil } } }

    /// The phases the machine went through, from `.transition` actions.
    var phases: [RolloutStateMachine.Phase] {
        log.compactMap { if case .transition(_, let to, _) = $0.action { to } else { nil } }
    }
}

/// Providers for ``RolloutDriver``.
enum RolloutProvider {
    /// Every metric within range.
    static let healthy: RolloutDriver.Provider = { metric, _ in .some(metric.min ?? metric.max ?? 1) }
    /// Every metric out of range.
    static let failing: RolloutDriver.Provider = { metric, _ in .some((metric.min ?? 1) - 1) }
    /// No data.
    static let noData: RolloutDriver.Provider = { _, _ in .some(nil) }
    /// Provider errors.
    static let broken: RolloutDriver.Provider = { _, _ in nil }
    /// Failing in the listed rounds of a run, healthy otherwise.
    static func failing(inRounds rounds: Set<Int>) -> RolloutDriver.Provider {
        { metric, round in rounds.contains(round) ? failing(metric, round) : healthy(metric, round) }
    }
}
