import Foundation
import Testing
@testable import PromptOpsCore

/// The comparative judge inside a canary's analysis: its rounds, decisions, evidence, limits
/// and persistence, on fixed streams of runs.
@Suite("Rollout: the comparative judge gates analysis steps")
struct RolloutJudgeTests {
    typealias F = RolloutFixture

    static let judge = Deployment.Judge(
        endpoint: "http://127.0.0.1:11434/v1", model: "m", repeats: 3,
        settings: .init(margin: 0.05, falseRollback: 0.05, missedRegression: 0.05, maxSamples: 3000))

    static func analysis(metrics: [Deployment.Metric] = [], count: Int = 3, maxSamples: Int = 3000,
                         consecutiveErrorLimit: Int = 2) -> Deployment.Analysis {
        var judge = Self.judge
        judge.settings.maxSamples = maxSamples
        return Deployment.Analysis(interval: .seconds(60), count: count, failureLimit: 0, inconclusiveLimit: 1,
                                   consecutiveErrorLimit: consecutiveErrorLimit, metrics: metrics, judge: judge)
    }

    /// What a judge round returns: 10 tests × 3 runs; `canaryPasses(test, run)` and
    /// `stablePasses(test, run)` say which pass.
    static func round(stable: (Int, Int) -> Bool, canary: (Int, Int) -> Bool) -> JudgeReport {
        JudgeReport(round: (0..<10).map { t in
            JudgeReport.Runs(test: "test-\(t)", stable: (0..<3).map { stable(t, $0) }, canary: (0..<3).map { canary(t, $0) })
        })
    }

    /// Answers every request: threshold metrics in range, the judge with `judgeRound`.
    static func provider(_ judgeRound: @escaping @Sendable (Int) -> JudgeReport?) -> RolloutDriverWithJudge.Provider {
        { metric, roundOfRun in
            if metric.name == Deployment.Judge.metricName {
                guard let report = judgeRound(roundOfRun) else { return .error(metric: metric.name, message: "model down", at: F.epoch) }
                return MetricMeasurement(metric: metric.name, value: nil, verdict: .inconclusive, at: F.epoch, judge: report)
            }
            return MetricMeasurement(metric: metric, value: metric.min ?? 1, at: F.epoch)
        }
    }

    @Test("a canary failing test-3 and test-7 where stable passes is rolled back, and the evidence names those tests")
    func worseCanaryRolledBackWithPerTestEvidence() throws {
        var d = RolloutDriverWithJudge(stable: F.v1)
        d.desire(F.v2, steps: [.setWeight(10), .analysis], analysis: Self.analysis())
        d.run(Self.provider { _ in Self.round(stable: { _, _ in true }, canary: { t, _ in t != 3 && t != 7 }) })
        #expect(d.machine.phase == .degraded)
        #expect(d.machine.stable == F.v1)
        let rolledBack = d.log.compactMap { if case .rolledBack(_, let evidence, let reason) = $0.action { (evidence, reason) } else { nil } }
        let (evidence, reason) = try #require(rolledBack.first)
        #expect(reason.contains("the judge found the canary worse than stable by more than 5 point(s)"), "\(reason)")
        #expect(reason.contains("most regressed: test-3 -100 (0/"), "\(reason)")
        let report = try #require(evidence.last { $0.judge != nil }?.judge)
        #expect(report.decision == "RollBack")
        #expect(report.tests.prefix(2).map(\.test) == ["test-3", "test-7"])
        #expect(report.tests[0].stablePassed == report.tests[0].runs && report.tests[0].canaryPassed == 0)
        #expect(report.difference == -0.2)
        #expect(report.upper < -0.05, "the interval lies below −margin: \(report.lower)…\(report.upper)")
        // It decided early: a fixed 20-point regression needs a few rounds, not the budget.
        #expect(report.samples <= 300, "\(report.samples)")
        #expect(evidence.last?.verdict == .failed && evidence.last?.value == -0.2)
    }

    @Test("an equal canary (every run passes on both) is promoted, and the judge takes rounds until it may")
    func equalCanaryPromoted() throws {
        var d = RolloutDriverWithJudge(stable: F.v1)
        d.desire(F.v2, steps: [.setWeight(10), .analysis], analysis: Self.analysis())
        d.run(Self.provider { _ in Self.round(stable: { _, _ in true }, canary: { _, _ in true }) })
        #expect(d.machine.phase == .healthy)
        #expect(d.machine.stable == F.v2)
        let judged = d.judgeMeasurements
        #expect(judged.count > 1, "one round of 30 pairs cannot show 'not worse by 5 points' at 5 %")
        #expect(judged.dropLast().allSatisfy { $0.judge?.decision == "Continue" && $0.verdict == .inconclusive })
        #expect(judged.last?.judge?.decision == "Promote" && judged.last?.verdict == .successful)
        #expect(judged.map { $0.judge?.samples ?? 0 } == (1...judged.count).map { $0 * 30 })
    }

    @Test("only the latest judged round keeps the per-test breakdown: the saved state grows by the rounds' runs alone")
    func stateKeepsOneBreakdown() throws {
        var d = RolloutDriverWithJudge(stable: F.v1)
        d.desire(F.v2, steps: [.setWeight(10), .analysis], analysis: Self.analysis(maxSamples: 100_000))
        for _ in 0..<6 {
            d.answer(after: .seconds(5), Self.provider { _ in Self.round(stable: { _, r in r != 0 }, canary: { _, r in r != 1 }) })
            d.advance(.seconds(60))
            d.send(.tick)
        }
        let judged = try #require(d.machine.analysis).measurements.compactMap(\.judge)
        #expect(judged.count >= 5)
        #expect(judged.dropLast().allSatisfy { $0.tests.isEmpty && $0.round.count == 10 })
        #expect(judged.last?.tests.count == 10)
    }

    @Test("the budget spent without a decision pauses the rollout for a person: never a silent promote")
    func budgetSpentPauses() throws {
        var d = RolloutDriverWithJudge(stable: F.v1)
        d.desire(F.v2, steps: [.setWeight(10), .analysis], analysis: Self.analysis(maxSamples: 60))
        // Both pass two runs of three on every test: no evidence either way within 60 pairs.
        d.run(Self.provider { _ in Self.round(stable: { _, r in r != 0 }, canary: { _, r in r != 1 }) })
        #expect(d.machine.phase == .paused)
        #expect(d.machine.canary == F.v2)
        let paused = d.log.compactMap { if case .paused(let reason) = $0.action { reason } else { nil } }
        #expect(paused.last?.contains("the judge is inconclusive after 60 pair(s) (maxSamples 60)") == true, "\(paused)")
        #expect(d.judgeMeasurements.last?.judge?.decision == "Inconclusive")
        // A person promotes: the step completes.
        d.send(.promote(actor: "dana"))
        #expect(d.machine.stable == F.v2)
    }

    @Test("beside threshold metrics: they are measured in the first `count` rounds only, the judge until it decides, and both must pass")
    func judgeBesideMetrics() throws {
        var d = RolloutDriverWithJudge(stable: F.v1)
        d.desire(F.v2, steps: [.setWeight(10), .analysis], analysis: Self.analysis(metrics: [F.metric("score", min: 0.9)], count: 2))
        d.run(Self.provider { _ in Self.round(stable: { _, _ in true }, canary: { _, _ in true }) })
        #expect(d.machine.stable == F.v2)
        let requests = d.log.compactMap { if case .measure(let metrics, _) = $0.action { metrics.map(\.name) } else { nil } }
        #expect(requests.prefix(2).allSatisfy { $0 == ["score", "judge"] }, "\(requests)")
        #expect(requests.dropFirst(2).allSatisfy { $0 == ["judge"] }, "\(requests)")
        #expect(requests.count > 2)

        // A failing threshold metric rolls back although the judge would promote.
        var failing = RolloutDriverWithJudge(stable: F.v1)
        failing.desire(F.v2, steps: [.setWeight(10), .analysis], analysis: Self.analysis(metrics: [F.metric("score", min: 0.9)], count: 2))
        failing.run { metric, round in
            metric.name == "score" ? MetricMeasurement(metric: metric, value: 0.5, at: F.epoch)
                : Self.provider { _ in Self.round(stable: { _, _ in true }, canary: { _, _ in true }) }(metric, round)
        }
        #expect(failing.machine.phase == .degraded)
    }

    @Test("model outages are errors, not evidence: they pause after consecutiveErrorLimit and feed the judge nothing")
    func outagesPause() {
        var d = RolloutDriverWithJudge(stable: F.v1)
        d.desire(F.v2, steps: [.setWeight(10), .analysis], analysis: Self.analysis(consecutiveErrorLimit: 2))
        d.run(Self.provider { round in round == 1 ? Self.round(stable: { _, _ in true }, canary: { _, _ in true }) : nil })
        #expect(d.machine.phase == .paused)
        #expect(d.machine.analysis?.judgeReport?.samples == 30)
        #expect(d.machine.analysis?.judgeReport?.tests.count == 10, "error rounds keep the last breakdown")
        #expect(d.machine.analysis?.replayedJudge(Self.judge.settings).samples == 30)
    }

    @Test("a machine saved mid-judgement and decoded decides exactly as one that never stopped", arguments: [1, 2, 3])
    func resumesAfterRestart(roundsBeforeCrash: Int) throws {
        let provider = Self.provider { round in
            Self.round(stable: { t, r in (t + r + round) % 7 != 0 }, canary: { t, r in (t * r + round) % 4 != 0 })
        }
        var original = RolloutDriverWithJudge(stable: F.v1)
        original.desire(F.v2, steps: [.setWeight(10), .analysis], analysis: Self.analysis())
        var resumed = original
        original.run(provider)
        for _ in 0..<roundsBeforeCrash { resumed.answer(after: .seconds(5), provider); resumed.send(.tick); resumed.advance(.seconds(60)); resumed.send(.tick) }
        resumed.machine = try RolloutPersistenceTests.roundTrip(resumed.machine)
        resumed.run(provider)
        #expect(resumed.machine.phase == original.machine.phase)
        #expect(resumed.judgeMeasurements.last?.judge == original.judgeMeasurements.last?.judge)
    }

    static func experiment(weight: Int = 30, duration: Duration? = nil, promote: Bool = false, maxSamples: Int = 3000) -> (steps: [Deployment.Step], analysis: Deployment.Analysis) {
        let e = Deployment.Experiment(weight: weight, duration: duration, promote: promote)
        var analysis = Self.analysis(maxSamples: maxSamples)
        analysis.maxDuration = duration
        return (e.steps, analysis)
    }

    @Test("an Experiment holds its split until the judge decides, then reports the decision and waits for a person")
    func experimentConcludesAndWaits() throws {
        var d = RolloutDriverWithJudge(stable: F.v1)
        let e = Self.experiment(weight: 30)
        d.base.send(.desired(version: F.v2, strategy: .experiment, steps: e.steps, analysis: e.analysis))
        d.run(Self.provider { _ in Self.round(stable: { t, _ in t != 0 }, canary: { _, _ in true }) })
        #expect(d.machine.phase == .paused)
        #expect(d.machine.canary == F.v2 && d.machine.canaryWeight == 30, "the split holds while it waits")
        #expect(d.base.weights == [30])
        let reason = try #require(d.log.compactMap { if case .paused(let r) = $0.action { r } else { nil } }.last)
        #expect(reason.hasPrefix("the experiment concluded: Promote: canary - stable +10 points"), "\(reason)")
        #expect(reason.hasSuffix("promote to adopt the canary or abort to end it"))
        d.send(.promote(actor: "dana"))
        #expect(d.machine.stable == F.v2 && d.machine.phase == .healthy)
    }

    @Test("an Experiment with promote: true adopts the new version on Promote; a worse one is rolled back either way")
    func experimentPromotesWhenConfigured() {
        var d = RolloutDriverWithJudge(stable: F.v1)
        let e = Self.experiment(promote: true)
        d.base.send(.desired(version: F.v2, strategy: .experiment, steps: e.steps, analysis: e.analysis))
        d.run(Self.provider { _ in Self.round(stable: { _, _ in true }, canary: { _, _ in true }) })
        #expect(d.machine.stable == F.v2 && d.machine.phase == .healthy)

        var worse = RolloutDriverWithJudge(stable: F.v1)
        worse.base.send(.desired(version: F.v2, strategy: .experiment, steps: e.steps, analysis: e.analysis))
        worse.run(Self.provider { _ in Self.round(stable: { _, _ in true }, canary: { t, _ in t > 4 }) })
        #expect(worse.machine.phase == .degraded && worse.machine.stable == F.v1)
    }

    @Test("an Experiment without a decision by its horizon pauses, with the standing so far")
    func experimentHorizon() throws {
        var d = RolloutDriverWithJudge(stable: F.v1)
        let e = Self.experiment(duration: .seconds(600), maxSamples: 100_000)
        d.base.send(.desired(version: F.v2, strategy: .experiment, steps: e.steps, analysis: e.analysis))
        d.run(Self.provider { _ in Self.round(stable: { _, r in r != 0 }, canary: { _, r in r != 1 }) })
        #expect(d.machine.phase == .paused)
        let reason = try #require(d.log.compactMap { if case .paused(let r) = $0.action { r } else { nil } }.last)
        #expect(reason.hasPrefix("the experiment reached its horizon of 10m without a decision: Continue: canary - stable +0 points"), "\(reason)")
        // Rounds a minute apart for ten minutes: about ten, not more.
        #expect((9...11).contains(d.judgeMeasurements.count), "\(d.judgeMeasurements.count)")
        // One promote adopts the new version, whatever stage the experiment is at.
        d.send(.promote(actor: "dana"))
        #expect(d.machine.stable == F.v2 && d.machine.phase == .healthy && d.machine.canary == nil)
    }

    @Test("a requested round the controller lets go of (to save first) is requested afresh at the next tick, not an interval later")
    func releasedRoundIsRequestedAtOnce() throws {
        var d = RolloutDriverWithJudge(stable: F.v1)
        d.desire(F.v2, steps: [.setWeight(10), .analysis], analysis: Self.analysis())
        d.send(.tick)
        let first = try #require(d.base.pending.last?.round)
        d.base.pending.removeAll()
        d.machine.releaseRequestedRound(now: d.base.now)
        d.send(.tick)
        let second = try #require(d.base.pending.last?.round)
        #expect(second != first, "a new round id: a late answer to the released one is ignored")
        #expect(d.send(.measured([], round: first)).contains { if case .ignored = $0 { true } else { false } })
    }

    @Test("the spec with a judge round-trips through the persisted state")
    func specRoundTrip() throws {
        let spec = RolloutSpec(strategy: .canary, steps: [.setWeight(10), .analysis],
                               analysis: Self.analysis(metrics: [F.metric("score", min: 0.9)]))
        let decoded = try JSONDecoder().decode(RolloutSpec.self, from: JSONEncoder().encode(spec))
        #expect(decoded == spec)
    }
}

/// ``RolloutDriver`` with a provider that returns whole measurements (the judge's carry runs).
struct RolloutDriverWithJudge {
    typealias Provider = @Sendable (_ metric: Deployment.Metric, _ roundOfRun: Int) -> MetricMeasurement

    var base: RolloutDriver
    var machine: RolloutStateMachine {
        get { base.machine }
        set { base.machine = newValue }
    }
    var log: [(at: Date, action: RolloutAction)] { base.log }

    init(stable: RolloutVersion) { base = RolloutDriver(stable: stable) }

    mutating func desire(_ version: RolloutVersion, steps: [Deployment.Step], analysis: Deployment.Analysis) {
        base.desire(version, steps: steps, analysis: analysis)
    }

    @discardableResult mutating func send(_ event: RolloutEvent) -> [RolloutAction] { base.send(event) }
    mutating func advance(_ d: Duration) { base.advance(d) }

    mutating func answer(after latency: Duration, _ provider: Provider) {
        guard !base.pending.isEmpty else { return }
        let request = base.pending.removeFirst()
        base.advance(latency)
        let roundOfRun = (base.machine.analysis?.rounds.count ?? 0) + 1
        let results = request.metrics.map { provider($0, roundOfRun) }
        // What the machine records (judged), kept here: a completed step drops its run.
        if var run = base.machine.analysis, let config = base.machine.spec?.analysis, run.awaitedRound == request.round {
            run.record(results, config: config, now: base.now)
            recorded += run.rounds.last ?? []
        }
        base.send(.measured(results, round: request.round))
    }

    mutating func run(_ provider: Provider, limit: Int = 400) {
        for _ in 0..<limit {
            if !base.pending.isEmpty {
                answer(after: .seconds(5), provider)
            } else if let wake = base.machine.nextWakeUp {
                if wake > base.now { base.now = wake }
                base.send(.tick)
            } else {
                return
            }
        }
    }

    /// Every measurement recorded, in order.
    var recorded: [MetricMeasurement] = []

    /// The judge's measurements, in order.
    var judgeMeasurements: [MetricMeasurement] { recorded.filter { $0.metric == Deployment.Judge.metricName } }
}
