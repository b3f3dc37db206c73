import Foundation
import PromptOpsCore
import PromptOpsStore
import Testing

/// Rollouts gated by the `evaluation` provider (the template's tests against a stand-in
/// model endpoint) and by `prometheus` (a stand-in query API).
@Suite("Evaluation- and Prometheus-gated rollouts", .serialized)
struct EvaluationRolloutTests {
    static func template(_ instruction: String) -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: greet, namespace: shop}
        spec:
          inputs: {name: {type: string, required: true}}
          messages:
            - {role: system, content: "\(instruction)"}
            - {role: user, content: "hi"}
          tests:
            - name: greets-ana
              vars: {name: Ana}
              assert: [{type: contains, value: Ana}, {type: not-contains, value: "As an AI"}]
            - name: greets-li
              vars: {name: Li}
              assert: [{type: icontains, value: li}]
        """
    }

    static func deployment(port: Int, inconclusiveLimit: Int = 0) -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: greet-prod, namespace: shop}
        spec:
          template: greet
          strategy: {type: Canary, canary: {steps: [{setWeight: 25}, {analysis: {}}]}}
          analysis:
            interval: 200ms
            count: 1
            failureLimit: 0
            inconclusiveLimit: \(inconclusiveLimit)
            metrics:
              - name: eval-pass-rate
                provider: {evaluation: {endpoint: "http://127.0.0.1:\(port)/v1", model: stand-in, repeats: 2, timeout: 60s}}
                thresholdRange: {min: 0.95}
              - name: negative-feedback
                provider: {prometheus: {address: "http://127.0.0.1:\(port)", query: "sum(rate(feedback_negative[5m]))", timeout: 30s}}
                thresholdRange: {max: 0.05}
        """
    }

    @Test func evaluationPromotesAGoodPromptAndRollsBackABadOne() async throws {
        let services = StandInServices()
        try await services.run { port in
            let rig = try RolloutScenarioTests.Rig(client: sharedClient)
            try rig.ws.commit(["shop/greet.yaml": Self.template("Greet {{name}} warmly."),
                               "shop/deploy.yaml": Self.deployment(port: port)], message: "v1")
            _ = try await rig.run { $0.stable.version == 1 }
            try rig.ws.commit(["shop/greet.yaml": Self.template("Greet {{name}} warmly and briefly.")], message: "v2")
            let promoted = try await rig.run { $0.stable.version == 2 }
            #expect(promoted.phase == "Healthy")
            #expect(services.modelCalls.withLockedValue { $0 } >= 4)  // 2 tests × 2 repeats
            let measured = try rig.harness.store.measurements(namespace: "shop", deployment: "greet-prod")
            #expect(measured.contains { $0.measurement.metric == "eval-pass-rate" && $0.measurement.value == 1 && $0.measurement.verdict == .successful })

            try rig.ws.commit(["shop/greet.yaml": Self.template("Greet {{name}} but be rude.")], message: "v3")
            let rolledBack = try await rig.run { $0.phase == "Degraded" }
            #expect(rolledBack.stable.version == 2)
            let last = try rig.harness.store.measurements(namespace: "shop", deployment: "greet-prod").last { $0.measurement.metric == "eval-pass-rate" }
            #expect(last?.measurement.verdict == .failed)
            #expect(last?.canaryVersion == 3)
        }
    }

    @Test func noPrometheusDataPausesUntilAPersonPromotes() async throws {
        let services = StandInServices()
        services.prometheusValue.withLockedValue { $0 = nil }
        try await services.run { port in
            let rig = try RolloutScenarioTests.Rig(client: sharedClient)
            try rig.ws.commit(["shop/greet.yaml": Self.template("Greet {{name}}."),
                               "shop/deploy.yaml": Self.deployment(port: port)], message: "v1")
            _ = try await rig.run { $0.stable.version == 1 }
            try rig.ws.commit(["shop/greet.yaml": Self.template("Greet {{name}} kindly.")], message: "v2")
            let paused = try await rig.run { $0.phase == "Paused" }
            #expect(paused.canary?.version == 2)
            #expect(paused.canary?.weight == 25)
            // It stays paused across passes ...
            try await rig.iterate()
            #expect(try rig.harness.store.deployment(namespace: "shop", name: "greet-prod")?.phase == "Paused")
            // ... until a person promotes it (what `promptops rollout promote` does), audited with the name.
            let record = try #require(try rig.harness.store.rollout(namespace: "shop", deployment: "greet-prod"))
            var machine = record.machine
            let actions = machine.handle(.promote(actor: "dana"), now: Date())
            #expect(try rig.harness.store.saveRollout(namespace: "shop", deployment: "greet-prod", machine: machine,
                                                      expectedGeneration: record.generation, actions: actions,
                                                      actor: "dana", manual: "promote", now: Date()))
            let promoted = try await rig.run { $0.stable.version == 2 }
            #expect(promoted.phase == "Healthy")
            let audit = try rig.harness.store.audit(limit: 100)
            #expect(audit.contains { $0.action == "rollout.promote" && $0.actor == "dana" })
        }
    }
}
