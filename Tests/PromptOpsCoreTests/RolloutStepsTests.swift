import Foundation
import Testing
@testable import PromptOpsCore

@Suite("Rollout: steps")
struct RolloutStepsTests {
    typealias F = RolloutFixture

    @Test("the first rollout switches at once, whatever the strategy", arguments: [Deployment.StrategyType.canary, .direct])
    func firstRolloutSwitches(strategy: Deployment.StrategyType) {
        var d = RolloutDriver()
        #expect(d.desire(F.v1, strategy: strategy) == [.switched(from: nil, to: F.v1)])
        #expect(d.machine.stable == F.v1 && d.machine.canary == nil && d.machine.phase == .healthy)
        #expect(d.machine.lastTransition?.reason.contains("first rollout") == true)
        #expect(d.machine.nextWakeUp == nil)
    }

    @Test func directStrategySwitchesAtOnce() {
        var d = RolloutDriver(stable: F.v1)
        #expect(d.desire(F.v2, strategy: .direct) == [.switched(from: F.v1, to: F.v2)])
        #expect(d.machine.stable == F.v2 && d.machine.servingWeight == 0 && d.machine.phase == .healthy)
    }

    @Test func referenceCanaryProgressesThroughEveryStepThenPromotes() throws {
        var d = RolloutDriver(stable: F.v1)
        let t0 = d.now
        #expect(d.desire(F.v2) == [
            .transition(from: .healthy, to: .progressing, reason: "new version \(F.v2): canary starts"),
            .setWeight(10),
        ])
        #expect(d.machine.nextWakeUp == t0)   // the next step may start at once

        d.run(RolloutProvider.healthy)

        let measures = d.log.filter { if case .measure = $0.action { true } else { false } }
        #expect(measures.map { $0.at.timeIntervalSince(t0) } == [0, 60, 120, 725, 785, 845])
        #expect(measures.map { if case .measure(_, let r) = $0.action { r } else { 0 } } == [1, 2, 3, 4, 5, 6])
        #expect(d.weights == [10, 50, 0])
        let setFifty = try #require(d.log.first { $0.action == .setWeight(50) })
        #expect(setFifty.at.timeIntervalSince(t0) == 125)   // third round answered 5 s after its request
        let promoted = try #require(d.log.first { $0.action == .promoted(F.v2) })
        #expect(promoted.at.timeIntervalSince(t0) == 850)   // 10 m pause, then 3 more rounds
        #expect(d.phases == [.progressing, .healthy])
        #expect(d.machine.stable == F.v2 && d.machine.canary == nil && d.machine.servingWeight == 0)
        #expect(d.machine.phase == .healthy && d.machine.nextWakeUp == nil && d.machine.currentStep == nil)
        #expect(d.machine.lastTransition?.reason == "all 5 step(s) completed: \(F.v2) promoted to stable")
    }

    @Test("consecutive setWeight steps: one per call, in order, none skipped", arguments: [
        [10, 20, 30],
        [5, 5, 25, 100],
        [50],
    ])
    func consecutiveWeights(weights: [Int]) {
        var d = RolloutDriver(stable: F.v1)
        d.desire(F.v2, steps: weights.map(Deployment.Step.setWeight) + [.pause(nil)], analysis: nil)
        var seen = [d.machine.servingWeight]
        while d.machine.phase == .progressing {
            let actions = d.send(.tick)
            #expect(actions.filter { if case .setWeight = $0 { true } else { false } }.count <= 1)
            seen.append(d.machine.servingWeight)
        }
        var expected = [weights[0]]
        for w in weights.dropFirst() where w != expected.last { expected.append(w) }
        #expect(d.weights == expected)
        #expect(d.machine.phase == .paused && d.machine.currentStep == .pause(nil))
        #expect(seen == weights + [weights.last!])   // state after every call: one step at a time
    }

    @Test func timedPauseCompletesWhenItsDurationHasPassed() {
        var d = RolloutDriver(stable: F.v1)
        d.desire(F.v2, steps: [.setWeight(20), .pause(.seconds(300)), .setWeight(40)], analysis: nil)
        d.send(.tick)   // enters the pause
        let entered = d.now
        #expect(d.machine.nextWakeUp == entered.adding(.seconds(300)))
        d.advance(.seconds(299))
        #expect(d.send(.tick) == [])
        d.advance(.seconds(1))
        #expect(d.send(.tick) == [.setWeight(40)])
        d.send(.tick)
        #expect(d.machine.stable == F.v2)
    }

    @Test func manualPauseWaitsForPromote() {
        var d = RolloutDriver(stable: F.v1)
        d.desire(F.v2, steps: [.setWeight(20), .pause(nil), .setWeight(60)], analysis: nil)
        let actions = d.send(.tick)
        let reason = "step 2 of 3 is a manual pause; promote to continue"
        #expect(actions == [.paused(reason: reason), .transition(from: .progressing, to: .paused, reason: reason)])
        #expect(d.machine.nextWakeUp == nil)
        for _ in 0..<5 {
            d.advance(.seconds(86_400))
            #expect(d.send(.tick) == [])
        }
        #expect(d.send(.promote(actor: "ana")) == [
            .transition(from: .paused, to: .progressing, reason: "promoted by ana: step 2 of 3 completed for \(F.v2)"),
            .setWeight(60),
        ])
        d.run(RolloutProvider.healthy)
        #expect(d.machine.stable == F.v2 && d.weights == [20, 60, 0])
    }

    @Test func canaryWithoutStepsPromotesAtOnce() {
        var d = RolloutDriver(stable: F.v1)
        #expect(d.desire(F.v2, steps: [], analysis: nil) == [
            .transition(from: .healthy, to: .progressing, reason: "new version \(F.v2): canary starts"),
            .promoted(F.v2),
            .transition(from: .progressing, to: .healthy, reason: "all 0 step(s) completed: \(F.v2) promoted to stable"),
        ])
    }

    @Test func analysisStepWithoutMetricsPausesInsteadOfPassing() {
        var d = RolloutDriver(stable: F.v1)
        d.desire(F.v2, steps: [.setWeight(10), .analysis], analysis: nil)
        d.send(.tick)
        #expect(d.machine.phase == .paused)
        #expect(d.machine.lastTransition?.reason.contains("analysis without metrics") == true)
    }
}
