import Foundation
import Testing
@testable import PromptOpsCore

@Suite("Rollout: analysis")
struct RolloutAnalysisTests {
    typealias F = RolloutFixture

    /// A driver whose canary v2 has just entered its first analysis step (weight 10).
    static func atFirstAnalysis(_ analysis: Deployment.Analysis) -> RolloutDriver {
        var d = RolloutDriver(stable: F.v1)
        d.desire(F.v2, analysis: analysis)
        d.send(.tick)
        return d
    }

    @Test("failures beyond failureLimit roll back within interval × (failureLimit + 1)", arguments: [0, 1, 2])
    func failureRollsBack(failureLimit: Int) throws {
        var d = Self.atFirstAnalysis(F.analysis(count: 5, failureLimit: failureLimit))
        let start = try #require(d.machine.analysis?.startedAt)
        d.run(RolloutProvider.failing)

        let rollback = try #require(d.log.first { if case .rolledBack = $0.action { true } else { false } })
        guard case let .rolledBack(version, evidence, reason) = rollback.action else { return }
        #expect(version == F.v2)
        #expect(evidence.count == failureLimit + 1 && evidence.allSatisfy { $0.verdict == .failed })
        #expect(reason.hasPrefix("metric score failed \(failureLimit + 1) time(s), more than failureLimit \(failureLimit)"))
        #expect(rollback.at.timeIntervalSince(start) < 60 * Double(failureLimit + 1))
        #expect(d.weights == [10, 0])   // out of traffic before the rollback is reported
        #expect(d.phases == [.progressing, .degraded])
        #expect(d.machine.phase == .degraded && d.machine.canary == nil && d.machine.servingWeight == 0)
        #expect(d.machine.isAborted(F.v2.hash) && d.machine.stable == F.v1)
        #expect(d.machine.lastTransition?.reason == "\(F.v2) rolled back: \(reason)")
    }

    @Test("tolerated failures do not stop the analysis", arguments: [(1, Set([1])), (1, Set([3])), (2, Set([1, 3]))])
    func toleratedFailures(failureLimit: Int, failingRounds: Set<Int>) {
        var d = Self.atFirstAnalysis(F.analysis(failureLimit: failureLimit))
        d.run(RolloutProvider.failing(inRounds: failingRounds))
        #expect(d.machine.stable == F.v2 && d.machine.phase == .healthy)
        #expect(!d.log.contains { if case .rolledBack = $0.action { true } else { false } })
    }

    @Test("inconclusive results or provider errors beyond their limit pause", arguments: [
        ("no data", 1, 4, 2),     // inconclusiveLimit 1: the second inconclusive round pauses
        ("no data", 0, 4, 1),
        ("broken", 4, 2, 3),      // consecutiveErrorLimit 2: the third error in a row pauses
        ("broken", 4, 0, 1),
    ])
    func pausesForAPerson(provider: String, inconclusiveLimit: Int, errorLimit: Int, roundsBeforePause: Int) throws {
        var d = Self.atFirstAnalysis(F.analysis(count: 5, inconclusiveLimit: inconclusiveLimit, consecutiveErrorLimit: errorLimit))
        d.run(provider == "broken" ? RolloutProvider.broken : RolloutProvider.noData)
        #expect(d.machine.phase == .paused && d.machine.canary == F.v2 && d.machine.servingWeight == 10)
        #expect(d.machine.analysis?.rounds.count == roundsBeforePause)
        #expect(d.machine.measurementsOfCurrentAnalysis.count == roundsBeforePause)
        #expect(d.machine.nextWakeUp == nil)
        let paused = try #require(d.log.last { if case .paused = $0.action { true } else { false } })
        guard case .paused(let reason) = paused.action else { return }
        #expect(reason.contains(provider == "broken" ? "consecutiveErrorLimit" : "inconclusiveLimit"))
        #expect(d.machine.lastTransition == .init(from: .progressing, to: .paused, reason: reason, at: paused.at))
        // Time alone does not move a paused analysis.
        d.advance(.seconds(3_600))
        #expect(d.send(.tick) == [])
    }

    @Test func promoteSkipsAPausedAnalysisAndAbortRollsItBack() {
        var promoted = Self.atFirstAnalysis(F.analysis(inconclusiveLimit: 0))
        promoted.run(RolloutProvider.noData)
        #expect(promoted.send(.promote(actor: "ana")).last == .setWeight(50))
        #expect(promoted.machine.phase == .progressing && promoted.machine.analysis == nil)

        var aborted = Self.atFirstAnalysis(F.analysis(inconclusiveLimit: 0))
        aborted.run(RolloutProvider.noData)
        let evidence = aborted.machine.measurementsOfCurrentAnalysis
        #expect(aborted.send(.abort(actor: "bo")) == [
            .setWeight(0),
            .rolledBack(F.v2, evidence: evidence, reason: "aborted by bo"),
            .transition(from: .paused, to: .degraded, reason: "\(F.v2) rolled back: aborted by bo"),
        ])
        #expect(evidence.count == 1 && aborted.machine.isAborted(F.v2.hash))
    }

    @Test func promoteMidAnalysisSkipsItAndIgnoresTheLateResult() {
        var d = Self.atFirstAnalysis(F.analysis())
        #expect(d.send(.promote(actor: "ana")) == [.setWeight(50)])
        let late = d.answer(RolloutProvider.healthy)
        #expect(late == [.ignored(reason: "measurement round 1 is not awaited")])
        #expect(d.machine.currentStep == .setWeight(50))
    }

    @Test func lostMeasurementIsRequestedAgainWithTheSameRoundAfterAnInterval() {
        var d = Self.atFirstAnalysis(F.analysis())
        #expect(d.machine.nextWakeUp == d.now.adding(.seconds(60)))
        d.advance(.seconds(59))
        #expect(d.send(.tick) == [])
        d.advance(.seconds(1))
        #expect(d.send(.tick) == [.measure(metrics: F.analysis().metrics, round: 1)])
        d.answer(RolloutProvider.healthy)
        #expect(d.machine.analysis?.rounds.count == 1)
        // A duplicate answer to the same round no longer counts.
        let duplicate = [MetricMeasurement(metric: F.analysis().metrics[0], value: 0, at: d.now)]
        #expect(d.send(.measured(duplicate, round: 1)) == [.ignored(reason: "measurement round 1 is not awaited")])
        #expect(d.machine.analysis?.tallies[0].failed == 0)
    }

    @Test func slowAnswerTriggersTheNextRoundAtOnce() {
        var d = Self.atFirstAnalysis(F.analysis())
        let actions = d.answer(after: .seconds(90), RolloutProvider.healthy)
        #expect(actions == [.measure(metrics: F.analysis().metrics, round: 2)])
    }

    @Test func everyMetricIsMeasuredEachRound() throws {
        let metrics = [F.metric("eval-pass-rate", min: 0.95), F.metric("negative-feedback", max: 0.05)]
        var d = Self.atFirstAnalysis(F.analysis(metrics: metrics))
        d.answer(RolloutProvider.healthy)
        let round = try #require(d.machine.analysis?.rounds.first)
        #expect(round.map(\.metric) == ["eval-pass-rate", "negative-feedback"])
        #expect(round.map(\.verdict) == [.successful, .successful])
    }
}
