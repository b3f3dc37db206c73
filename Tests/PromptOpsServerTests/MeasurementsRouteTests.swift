import Foundation
import PromptOpsCore
import PromptOpsStore
import Testing

@Suite("GET …/deployments/{name}/measurements")
struct MeasurementsRouteTests {
    static let path = "/api/v1/namespaces/support/deployments/support-reply-prod/measurements"

    @Test("every measurement of the last rollout, oldest first, with the judge's standing; a named rollout, bad input and unknown Deployments")
    func measurements() async throws {
        let served = try ServedStore(Manifests.repository())
        _ = try served.apply(Manifests.repository(greeting: "Hi"), revision: ServedStore.revision(2))
        let versions = try served.store.templates(namespace: "support")
        let v2 = try #require(versions.first { $0.name == "support-reply" })
        let canary = RolloutStateMachine.VersionRef(version: v2.version, hash: v2.hash)
        // Two rounds measured for version 2: a threshold metric and a judge round.
        var judge = ComparativeJudge(.init(margin: 0.05, falseRollback: 0.01, missedRegression: 0.05, maxSamples: 300))
        let runs = [JudgeReport.Runs(test: "greets", stable: [true, true, true], canary: [false, true, false])]
        judge.add(runs.map(\.judgeRuns))
        let report = JudgeReport(round: runs).judged(by: judge)
        let at = ServedStore.now
        let taken = [
            TakenMeasurement(round: 1, canary: canary, measurement: MetricMeasurement(metric: "score", value: 0.97, verdict: .successful, at: at)),
            TakenMeasurement(round: 1, canary: canary, measurement: MetricMeasurement(metric: "judge", value: report.difference, verdict: .inconclusive,
                                                                                   message: "judge: " + report.summary, at: at, judge: report)),
            TakenMeasurement(round: 2, canary: canary, measurement: .error(metric: "score", message: "connection refused", at: at)),
        ]
        let stable = try #require(try served.store.deployment(namespace: "support", name: "support-reply-prod")).stable
        let machine = RolloutStateMachine(stable: .init(version: stable.version, hash: stable.hash))
        #expect(try served.store.saveRollout(namespace: "support", deployment: "support-reply-prod", machine: machine,
                                             expectedGeneration: nil, actions: [], measurements: taken, now: at))

        try await TestServer(served).run { client in
            let body = try await client.get(Self.path).object
            #expect(body["rollout"] as? Int == canary.version)
            let list = try #require(body["measurements"] as? [[String: Any]])
            #expect(list.map { $0["metric"] as? String } == ["score", "judge", "score"])
            #expect(list.map { $0["round"] as? Int } == [1, 1, 2])
            let standing = try #require(list[1]["judge"] as? [String: Any])
            #expect(standing["samples"] as? Int == 3)
            #expect((standing["tests"] as? [[String: Any]])?.first?["canaryPassed"] as? Int == 1)
            #expect(list[0]["judge"] is NSNull && list[2]["verdict"] as? String == "Error")

            let other = try await client.get(Self.path + "?rollout=99").object
            #expect(other["rollout"] as? Int == 99 && (other["measurements"] as? [Any])?.isEmpty == true)
            #expect(try await client.get(Self.path + "?limit=1").object["measurements"].map { ($0 as? [Any])?.count } == 1)
            let bad = try await client.get(Self.path + "?rollout=abc")
            #expect(bad.status == .badRequest && (bad.object["error"] as? [String: Any])?["code"] as? String == "invalid_parameter", "\(bad.text)")
            let missing = try await client.get("/api/v1/namespaces/support/deployments/ghost/measurements")
            #expect(missing.status == .notFound && (missing.object["error"] as? [String: Any])?["code"] as? String == "deployment_not_found")
        }
    }
}
