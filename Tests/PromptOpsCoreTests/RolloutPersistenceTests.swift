import Foundation
import Testing
@testable import PromptOpsCore

@Suite("Rollout: persisted state")
struct RolloutPersistenceTests {
    typealias F = RolloutFixture

    static func roundTrip(_ machine: RolloutStateMachine) throws -> RolloutStateMachine {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try JSONDecoder().decode(RolloutStateMachine.self, from: encoder.encode(machine))
    }

    @Test("a machine decoded mid-rollout continues exactly like the original", arguments: [2, 3, 5, 9])
    func crashResume(stepsBeforeCrash: Int) throws {
        var original = RolloutDriver(stable: F.v1)
        original.desire(F.v2, analysis: F.analysis(failureLimit: 1))
        // Round 2 of each run fails: tolerated (failureLimit 1).
        let provider = RolloutProvider.failing(inRounds: [2])
        original.run(provider, limit: stepsBeforeCrash)
        #expect(original.machine.canary == F.v2)

        var resumed = original
        resumed.machine = try Self.roundTrip(original.machine)
        #expect(resumed.machine == original.machine)

        original.run(provider)
        resumed.run(provider)
        #expect(resumed.machine == original.machine)
        #expect(resumed.log.map(\.action) == original.log.map(\.action))
        #expect(resumed.log.map(\.at) == original.log.map(\.at))
        #expect(original.machine.stable == F.v2)
    }

    @Test func stateAfterACrashWithARoundInFlightAsksForItAgain() throws {
        var d = RolloutDriver(stable: F.v1)
        d.desire(F.v2)
        d.send(.tick)   // round 1 requested; the controller dies before it answers
        var restarted = try Self.roundTrip(d.machine)
        #expect(restarted.analysis?.awaitedRound == 1)
        let wake = try #require(restarted.nextWakeUp)
        #expect(restarted.handle(.tick, now: wake) == [.measure(metrics: F.analysis().metrics, round: 1)])
    }

    @Test func encodedStateReadsLikeTheAPI() throws {
        var d = RolloutDriver(stable: F.v1)
        d.desire(F.v2, steps: [.setWeight(10), .pause(.milliseconds(1_500)), .pause(nil), .analysis])
        let json = String(decoding: try JSONEncoder().encode(d.machine), as: UTF8.self)
        #expect(json.contains(#""phase":"Progressing""#))
        #expect(json.contains(#"{"setWeight":10}"#))
        #expect(json.contains(#""strategy":"Canary""#))
    }

    @Test("the rollout spec round-trips exactly", arguments: [
        Deployment.Provider.evaluation(endpoint: "http://127.0.0.1:11434/v1", model: "llama3.1", secretRef: "openai",
                                       repeats: 3, timeout: .milliseconds(30_250)),
        .evaluation(endpoint: "http://e", model: "m", secretRef: nil, repeats: 1, timeout: .seconds(30)),
        .prometheus(address: "http://127.0.0.1:9090", query: "sum(rate(x[5m]))", timeout: .seconds(10)),
        .web(url: "http://127.0.0.1:8099/score", jsonPath: "$.score", timeout: .nanoseconds(1)),
    ])
    func specRoundTrip(provider: Deployment.Provider) throws {
        let metric = Deployment.Metric(name: "m", provider: provider, min: 0.25, max: nil)
        let spec = RolloutSpec(
            strategy: .canary,
            steps: [.setWeight(10), .analysis, .pause(.seconds(600)), .pause(.milliseconds(1)), .pause(nil)],
            analysis: Deployment.Analysis(interval: .seconds(90), count: 4, failureLimit: 1, inconclusiveLimit: 2,
                                          consecutiveErrorLimit: 3, metrics: [metric]))
        let decoded = try JSONDecoder().decode(RolloutSpec.self, from: JSONEncoder().encode(spec))
        #expect(decoded == spec)
    }

    @Test func malformedStepIsADecodingError() {
        let json = #"{"strategy":"Canary","steps":[{"setWeight":10,"analysis":{}}]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RolloutSpec.self, from: Data(json.utf8)) }
    }
}
