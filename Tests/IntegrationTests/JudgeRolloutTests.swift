import Foundation
import PromptOpsCore
import PromptOpsStore
import Testing

/// Rollouts gated by the comparative judge: a stand-in model endpoint (a real HTTP server on
/// loopback) passes each run with the probability the version's prompt states, so stable and
/// canary pass with set probabilities; the controller's real driver, store and analysis run.
@Suite("Rollouts judged against the stable version", .serialized)
struct JudgeRolloutTests {
    /// Ten tests; the model passes a run with probability `quality` percent.
    static func template(quality: Int, wording: String = "greet") -> String {
        let tests = (0..<10).map { "    - {name: case-\($0), vars: {name: n\($0)}, assert: [{type: contains, value: PASS}]}" }
        return """
            apiVersion: promptops.dev/v1alpha1
            kind: PromptTemplate
            metadata: {name: greet, namespace: shop}
            spec:
              inputs: {name: {type: string, required: true}}
              text: "quality=\(quality) \(wording) {{name}}"
              tests:
            \(tests.joined(separator: "\n"))
            """
    }

    static func deployment(port: Int, margin: Double = 0.1, maxSamples: Int = 3000,
                           strategy: String = "{type: Canary, canary: {steps: [{setWeight: 20}, {analysis: {}}]}}") -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: greet-prod, namespace: shop}
        spec:
          template: greet
          strategy: \(strategy)
          analysis:
            interval: 50ms
            judge:
              type: comparative
              evaluation: {endpoint: "http://127.0.0.1:\(port)/judge/v1", model: stand-in, repeats: 3, timeout: 30s}
              margin: \(margin)
              falseRollback: 0.05
              missedRegression: 0.05
              maxSamples: \(maxSamples)
        """
    }

    @Test func aWorseCanaryIsRolledBackWithPerTestEvidenceAndAnEqualOneIsPromoted() async throws {
        let services = StandInServices()
        try await services.run { port in
            let rig = try RolloutScenarioTests.Rig(client: sharedClient)
            try rig.ws.commit(["shop/greet.yaml": Self.template(quality: 100), "shop/deploy.yaml": Self.deployment(port: port)], message: "v1")
            _ = try await rig.run(timeout: .seconds(90)) { $0.stable.version == 1 }

            // 100 % → 20 %: rolled back, with the judge's evidence everywhere a person looks.
            try rig.ws.commit(["shop/greet.yaml": Self.template(quality: 20)], message: "v2 worse")
            let rolledBack = try await rig.run(timeout: .seconds(90)) { $0.phase == "Degraded" }
            #expect(rolledBack.stable.version == 1)
            let judged = try rig.harness.store.measurements(namespace: "shop", deployment: "greet-prod")
                .filter { $0.measurement.metric == "judge" }
            let last = try #require(judged.last)
            #expect(last.canaryVersion == 2 && last.measurement.verdict == .failed)
            let report = try #require(last.measurement.judge)
            #expect(report.decision == "RollBack", "\(judged.map { ($0.id, $0.round, $0.measurement.verdict, $0.measurement.message ?? "") })")
            #expect(report.tests.count == 10 && report.tests.allSatisfy { $0.stablePassed == $0.runs })
            #expect(report.difference < -0.4 && report.upper < -0.1)
            let events = try rig.harness.store.events(namespace: "shop", limit: 100)
            let event = try #require(events.first { $0.reason == "RolledBack" })
            #expect(event.message.contains("the judge found the canary worse than stable by more than 10 point(s)"), "\(event.message)")
            #expect(event.message.contains("most regressed: case-"), "\(event.message)")
            let audit = try #require(try rig.harness.store.audit(limit: 100).first { $0.action == "rollout.rolledBack" })
            #expect(audit.details.text.contains("\"decision\":\"RollBack\""), "\(audit.details.text)")
            #expect(audit.details.text.contains("\"stablePassed\""))
            var notices: [OutboxNotification] = []
            _ = try rig.harness.store.routeOutbox(now: Date()) { notices.append($0); return [] }
            let notice = try #require(notices.first { $0.type == "RolledBack" })
            guard case .object(let data) = notice.data, case .array(let evidence)? = data["measurements"],
                  case .object(let judge)? = evidence.last, case .object(let standing)? = judge["judge"] else {
                Issue.record("no judge evidence in \(notice.data)"); return
            }
            #expect(standing["decision"] == .string("RollBack"))

            // An equal canary (both pass every run) is promoted.
            try rig.ws.commit(["shop/greet.yaml": Self.template(quality: 100, wording: "welcome")], message: "v3 equal")
            let promoted = try await rig.run(timeout: .seconds(90)) { $0.stable.version == 3 }
            #expect(promoted.phase == "Healthy", "\(promoted)")
            let promotedJudge = try rig.harness.store.measurements(namespace: "shop", deployment: "greet-prod")
                .last { $0.measurement.metric == "judge" }
            #expect(promotedJudge?.canaryVersion == 3 && promotedJudge?.measurement.judge?.decision == "Promote")
        }
    }

    @Test func aBudgetTooSmallForADecisionPausesInconclusive() async throws {
        let services = StandInServices()
        try await services.run { port in
            let rig = try RolloutScenarioTests.Rig(client: sharedClient)
            // Margin 0 and two versions that pass every run: no pair ever differs, so neither
            // "worse" nor "not worse by more than 0" can be shown, and 30 pairs are the budget.
            try rig.ws.commit(["shop/greet.yaml": Self.template(quality: 100),
                               "shop/deploy.yaml": Self.deployment(port: port, margin: 0, maxSamples: 30)], message: "v1")
            _ = try await rig.run(timeout: .seconds(90)) { $0.stable.version == 1 }
            try rig.ws.commit(["shop/greet.yaml": Self.template(quality: 100, wording: "welcome")], message: "v2")
            let paused = try await rig.run(timeout: .seconds(90)) { $0.phase == "Paused" }
            #expect(paused.canary?.version == 2)
            let last = try rig.harness.store.measurements(namespace: "shop", deployment: "greet-prod").last
            #expect(last?.measurement.judge?.decision == "Inconclusive")
            #expect(last?.measurement.judge?.samples == 30)
            let events = try rig.harness.store.events(namespace: "shop", limit: 100)
            #expect(events.contains { $0.reason == "Paused" && $0.message.contains("the judge is inconclusive after 30 pair(s)") })
        }
    }

    @Test func anExperimentRunsToADecisionAndReportsIt() async throws {
        let services = StandInServices()
        try await services.run { port in
            let rig = try RolloutScenarioTests.Rig(client: sharedClient)
            let experiment = "{type: Experiment, experiment: {weight: 30, duration: 1h}}"
            try rig.ws.commit(["shop/greet.yaml": Self.template(quality: 100),
                               "shop/deploy.yaml": Self.deployment(port: port, strategy: experiment)], message: "v1")
            _ = try await rig.run(timeout: .seconds(90)) { $0.stable.version == 1 }
            // The new wording does as well as the old one: the judge decides Promote; without
            // `promote: true` the experiment reports it and waits, the split still in place.
            try rig.ws.commit(["shop/greet.yaml": Self.template(quality: 100, wording: "welcome")], message: "v2")
            let concluded = try await rig.run(timeout: .seconds(90)) { $0.phase == "Paused" }
            #expect(concluded.canary?.version == 2 && concluded.canary?.weight == 30, "\(concluded)")
            #expect(concluded.strategy == "Experiment")
            let events = try rig.harness.store.events(namespace: "shop", limit: 100)
            let paused = try #require(events.first { $0.reason == "Paused" })
            #expect(paused.message.hasPrefix("the experiment concluded: Promote: canary - stable +0 points (interval "), "\(paused.message)")
            let last = try rig.harness.store.measurements(namespace: "shop", deployment: "greet-prod").last
            #expect(last?.measurement.judge?.decision == "Promote")
            #expect((last?.measurement.judge?.lower ?? -1) > -0.1, "the effect's interval clears the margin")
        }
    }

    @Test func anExperimentJudgesAPerVariantMetricByItsEffect() async throws {
        let services = StandInServices()
        // Negative feedback: 0.010 on stable, 0.045 on the new version.
        services.prometheusStableValue.withLockedValue { $0 = 0.01 }
        services.prometheusValue.withLockedValue { $0 = 0.045 }
        try await services.run { port in
            let rig = try RolloutScenarioTests.Rig(client: sharedClient)
            let deployment = """
                apiVersion: promptops.dev/v1alpha1
                kind: Deployment
                metadata: {name: greet-prod, namespace: shop}
                spec:
                  template: greet
                  strategy: {type: Experiment, experiment: {weight: 50}}
                  analysis:
                    interval: 50ms
                    count: 2
                    metrics:
                      - name: negative-feedback
                        provider: {prometheus: {address: "http://127.0.0.1:\(port)", query: 'sum(rate(feedback_negative{variant="{{variant}}"}[5m]))'}}
                        thresholdRange: {max: 0.02}     # the effect: at most 2 points more
                """
            try rig.ws.commit(["shop/greet.yaml": Self.template(quality: 100), "shop/deploy.yaml": deployment], message: "v1")
            _ = try await rig.run(timeout: .seconds(90)) { $0.stable.version == 1 }
            try rig.ws.commit(["shop/greet.yaml": Self.template(quality: 100, wording: "welcome")], message: "v2")
            let ended = try await rig.run(timeout: .seconds(90)) { $0.phase == "Degraded" }
            #expect(ended.stable.version == 1 && ended.canary == nil)
            let m = try #require(try rig.harness.store.measurements(namespace: "shop", deployment: "greet-prod").last?.measurement)
            #expect(m.metric == "negative-feedback" && m.verdict == .failed)
            #expect(abs((m.value ?? 0) - 0.035) < 1e-9, "\(m)")
            #expect(m.message?.contains("canary 0.045, stable 0.01") == true, "\(m.message ?? "")")
        }
    }

    @Test func aTransientModelFailureIsRetriedNotCountedAsAnOutage() async throws {
        let services = StandInServices()
        try await services.run { port in
            let rig = try RolloutScenarioTests.Rig(client: sharedClient)
            try rig.ws.commit(["shop/greet.yaml": Self.template(quality: 100), "shop/deploy.yaml": Self.deployment(port: port)], message: "v1")
            _ = try await rig.run { $0.stable.version == 1 }
            // Three calls answer 503 once each (at most 4 in flight, so never the same call twice).
            services.judgeFailuresLeft.withLockedValue { $0 = 3 }
            try rig.ws.commit(["shop/greet.yaml": Self.template(quality: 0)], message: "v2 worse")
            let rolledBack = try await rig.run(timeout: .seconds(90)) { $0.phase == "Degraded" }
            #expect(rolledBack.stable.version == 1)
            #expect(services.judgeFailuresLeft.withLockedValue { $0 } == 0)
            let judged = try rig.harness.store.measurements(namespace: "shop", deployment: "greet-prod").filter { $0.measurement.metric == "judge" }
            #expect(!judged.contains { $0.measurement.verdict == .error }, "\(judged.map(\.measurement.message))")
        }
    }
}
