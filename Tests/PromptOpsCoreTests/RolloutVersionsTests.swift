import Foundation
import Testing
@testable import PromptOpsCore

@Suite("Rollout: versions and commands")
struct RolloutVersionsTests {
    typealias F = RolloutFixture

    /// v2 rolled back at its first analysis round; v1 stable, phase Degraded.
    static func rolledBack() -> RolloutDriver {
        var d = RolloutDriver(stable: F.v1)
        d.desire(F.v2)
        d.run(RolloutProvider.failing)
        return d
    }

    @Test func newerVersionSupersedesTheRunningCanaryAndRestartsItsSteps() {
        var d = RolloutDriver(stable: F.v1)
        d.desire(F.v2)
        d.run(RolloutProvider.healthy, limit: 5)   // into the first analysis
        #expect(d.machine.currentStep == .analysis && d.machine.servingWeight == 10)
        let staleRound = d.pending.first?.round

        #expect(d.desire(F.v3) == [.superseded(old: F.v2, new: F.v3), .setWeight(0), .setWeight(10)])
        #expect(d.machine.canary == F.v3 && d.machine.stepIndex == 0 && d.machine.analysis == nil)
        #expect(d.machine.phase == .progressing)
        #expect(d.machine.lastTransition?.reason == "\(F.v3) supersedes canary \(F.v2); steps start again")
        if let staleRound, !d.pending.isEmpty {
            #expect(d.answer(RolloutProvider.failing) == [.ignored(reason: "measurement round \(staleRound) is not awaited")])
        }
        d.run(RolloutProvider.healthy)
        #expect(d.machine.stable == F.v3 && !d.machine.isAborted(F.v2.hash))
        #expect(d.log.contains { $0.action == .promoted(F.v3) } && !d.log.contains { $0.action == .promoted(F.v2) })
    }

    @Test("returning to the stable version cancels the canary", arguments: [1, 3, 4])
    func revertCancels(ticks: Int) {
        var d = RolloutDriver(stable: F.v1)
        d.desire(F.v2, steps: [.setWeight(10), .setWeight(30), .pause(.seconds(60)), .pause(nil)], analysis: nil)
        for _ in 0..<ticks { d.send(.tick) }
        let weight = d.machine.servingWeight
        let phase = d.machine.phase
        let reason = "git returned to the stable version \(F.v1); canary \(F.v2) cancelled"
        #expect(d.desire(F.v1) == [.setWeight(0), .cancelled(F.v2), .transition(from: phase, to: .healthy, reason: reason)])
        #expect(weight > 0 && d.machine.canary == nil && d.machine.phase == .healthy && !d.machine.isAborted(F.v2.hash))
    }

    @Test func abortedVersionIsNotRetriedByGitButIsByRetry() {
        var d = Self.rolledBack()
        #expect(d.machine.phase == .degraded)
        for _ in 0..<3 { #expect(d.desire(F.v2) == []) }   // git still asks for v2: nothing, no spam

        let actions = d.send(.retry(actor: "ana"))
        let reason = "retry by ana: canary \(F.v2) starts again"
        #expect(actions == [.transition(from: .degraded, to: .progressing, reason: reason), .setWeight(10)])
        #expect(!d.machine.isAborted(F.v2.hash) && d.machine.canary == F.v2)
        d.run(RolloutProvider.healthy)
        #expect(d.machine.stable == F.v2 && d.machine.phase == .healthy)
    }

    @Test func gitMovingBackToAnAbortedVersionIsBlocked() {
        var d = Self.rolledBack()
        let reason = "git returned to the stable version \(F.v1)"
        #expect(d.desire(F.v1) == [.transition(from: .degraded, to: .healthy, reason: reason)])
        d.desire(F.v3)   // a new canary, then git goes back to the aborted v2
        let blocked = "\(F.v2) was rolled back or aborted; it is not rolled out again until retry"
        #expect(d.desire(F.v2) == [
            .setWeight(0), .cancelled(F.v3),
            .transition(from: .progressing, to: .healthy, reason: "git moved to the aborted version \(F.v2); canary \(F.v3) cancelled"),
            .blocked(F.v2, reason: blocked),
            .transition(from: .healthy, to: .degraded, reason: blocked),
        ])
        #expect(d.desire(F.v2) == [])
        #expect(d.machine.stable == F.v1 && d.machine.canary == nil)
    }

    @Test func commandsWithNothingToActOnAreIgnored() {
        var d = RolloutDriver(stable: F.v1)
        d.desire(F.v1)
        let before = d.machine
        #expect(d.send(.promote(actor: "ana")) == [.ignored(reason: "promote: no canary is running")])
        #expect(d.send(.abort(actor: "ana")) == [.ignored(reason: "abort: no canary is running")])
        #expect(d.send(.retry(actor: "ana")) == [.ignored(reason: "retry: the desired version is not aborted")])
        #expect(d.send(.tick) == [])
        #expect(d.machine == before)
    }

    @Test func promoteOnTheLastStepPromotes() {
        var d = RolloutDriver(stable: F.v1)
        d.desire(F.v2, steps: [.setWeight(25), .pause(.seconds(3_600))], analysis: nil)
        d.send(.tick)
        #expect(d.send(.promote(actor: "ana")) == [
            .promoted(F.v2), .setWeight(0),
            .transition(from: .progressing, to: .healthy, reason: "promoted by ana on the last step: \(F.v2) promoted to stable"),
        ])
        #expect(d.machine.stable == F.v2)
    }

    @Test("the same desired state again gives no actions and no change", arguments: [0, 1, 2, 3, 4])
    func idempotentDesired(situation: Int) {
        var d = RolloutDriver(stable: F.v1)
        switch situation {
        case 0: d.desire(F.v1)                                             // Healthy
        case 1: d.desire(F.v2); d.send(.tick)                              // Progressing, mid-analysis
        case 2: d.desire(F.v2, steps: [.setWeight(5), .pause(nil)]); d.send(.tick)   // Paused
        case 3: d = Self.rolledBack()                                      // Degraded
        default: d.desire(F.v2, strategy: .direct)                         // Direct switch
        }
        let strategy: Deployment.StrategyType = situation == 4 ? .direct : .canary
        let steps: [Deployment.Step] = situation == 2 ? [.setWeight(5), .pause(nil)] : F.referenceSteps
        let version = situation == 0 ? F.v1 : F.v2
        let before = d.machine
        for _ in 0..<3 { #expect(d.desire(version, strategy: strategy, steps: steps) == []) }
        #expect(d.machine == before)
    }

    @Test func specEditMidRolloutAppliesFromTheNextVersion() {
        var d = RolloutDriver(stable: F.v1)
        d.desire(F.v2, steps: [.setWeight(10), .pause(nil)], analysis: nil)
        let edited: [Deployment.Step] = [.setWeight(33), .pause(nil)]
        #expect(d.desire(F.v2, steps: edited, analysis: nil) == [])
        #expect(d.machine.spec?.steps == [.setWeight(10), .pause(nil)] && d.machine.desired?.spec.steps == edited)
        #expect(d.desire(F.v3, steps: edited, analysis: nil).last == .setWeight(33))
    }

    @Test func directStrategyCancelsARunningCanaryOfAnotherVersion() {
        var d = RolloutDriver(stable: F.v1)
        d.desire(F.v2)
        #expect(d.desire(F.v3, strategy: .direct) == [
            .setWeight(0), .cancelled(F.v2),
            .transition(from: .progressing, to: .healthy, reason: "Direct strategy: canary \(F.v2) cancelled"),
            .switched(from: F.v1, to: F.v3),
        ])
        #expect(d.machine.stable == F.v3 && d.machine.canary == nil)
    }
}
