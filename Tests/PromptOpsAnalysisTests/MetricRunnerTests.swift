import Foundation
import Hummingbird
import PromptOpsAnalysis
import PromptOpsCore
import Testing

/// The single entry point the controller calls, over one stub serving all three providers.
struct MetricRunnerTests {
    static func router(log: RequestLog) -> Router<BasicRequestContext> {
        let router = FakeModelEndpoint.router(log: log)
        router.get("/api/v1/query") { _, _ in
            jsonResponse(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.01"]}]}}"#)
        }
        router.get("/score") { _, _ in jsonResponse(#"{"result": {"score": 0.9}}"#) }
        return router
    }

    static func deployment(_ base: String, evalEndpoint: String? = nil, minPassRate: Double = 0.95) -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: support-reply-prod, namespace: support}
        spec:
          template: support-reply
          strategy: {type: Canary, canary: {steps: [{setWeight: 10}, {analysis: {}}]}}
          analysis:
            metrics:
              - name: eval-pass-rate
                provider:
                  evaluation: {endpoint: "\(evalEndpoint ?? base + "/v1")", model: llama3.1, secretRef: fake-key, repeats: 2}
                thresholdRange: {min: \(minPassRate)}
              - name: negative-feedback
                provider:
                  prometheus: {address: "\(base)", query: 'sum(rate(feedback_negative[5m]))'}
                thresholdRange: {max: 0.05}
              - name: judge
                provider:
                  web: {url: "\(base)/score", jsonPath: "$.result.score", timeout: 10s}
                thresholdRange: {min: 0.8}
        """
    }

    @Test func measuresEveryMetricInOrder() async throws {
        let log = RequestLog()
        let now = Date(timeIntervalSince1970: 1_750_000_000)
        let results = try await StubServer.run(Self.router(log: log)) { base in
            try await withHTTPClient { client in
                let secrets = ProviderSecrets(["fake-key": .init(value: "sk-abc", namespaces: ["support*"])])
                let runner = MetricRunner(httpClient: client, secrets: secrets, logger: .quiet)
                let metrics = try Fixtures.metrics(Self.deployment(base))
                return await runner.measure(metrics, evaluation: try Fixtures.input(tests: ["greets-ana", "greets-bo"]), now: now)
            }
        }
        #expect(results.map(\.metric) == ["eval-pass-rate", "negative-feedback", "judge"])
        #expect(results.map(\.verdict) == [.successful, .successful, .successful])
        #expect(results.map(\.value) == [1.0, 0.01, 0.9])
        #expect(results.allSatisfy { $0.at == now })
        #expect(results[0].message == "evaluation: 4 of 4 runs passed (model llama3.1)")
        #expect(await log.entries.map(\.authorization) == Array(repeating: "Bearer sk-abc", count: 4))
    }

    @Test func aSecretGrantedToAnotherNamespaceIsNeverSent() async throws {
        let log = RequestLog()
        _ = try await StubServer.run(Self.router(log: log)) { base in
            try await withHTTPClient { client in
                let secrets = ProviderSecrets(["fake-key": .init(value: "sk-not-yours", namespaces: ["billing"])])
                let runner = MetricRunner(httpClient: client, secrets: secrets, logger: .quiet)
                let metrics = try Fixtures.metrics(Self.deployment(base))
                return await runner.measure(metrics, evaluation: try Fixtures.input(tests: ["greets-ana"]), now: Date())
            }
        }
        let entries = await log.entries
        #expect(!entries.isEmpty && entries.allSatisfy { $0.authorization == nil }, "\(entries.map(\.authorization))")
    }

    @Test func aPassRateBelowTheRangeFailsWithTheFailingTestNamed() async throws {
        let measurement = try await StubServer.run(Self.router(log: RequestLog())) { base in
            try await withHTTPClient { client in
                let metric = try Fixtures.metrics(Self.deployment(base))[0]
                return await MetricRunner(httpClient: client, logger: .quiet)
                    .measure(metric, evaluation: try Fixtures.input(), now: Date())
            }
        }
        #expect(measurement.verdict == .failed)
        #expect(abs((measurement.value ?? 0) - 4.0 / 6.0) < 1e-9)
        #expect(measurement.message?.contains("failing: bad-ticket 0/2 (output contains \"As an AI\", which it must not)") == true,
                "\(measurement.message ?? "")")
    }

    @Test func anEvaluationEndpointThatIsDownIsAnErrorMeasurement() async throws {
        let (closed, measurement) = try await StubServer.withRefusingAddress { closed in
            try await withHTTPClient { client in
                let metric = try Fixtures.metrics(Self.deployment("http://127.0.0.1:1", evalEndpoint: closed + "/v1"))[0]
                return (closed, await MetricRunner(httpClient: client, logger: .quiet)
                    .measure(metric, evaluation: try Fixtures.input(), now: Date()))
            }
        }
        #expect(measurement.verdict == .error)
        #expect(measurement.value == nil)
        #expect(measurement.message?.contains("cannot connect to \(closed)/v1/chat/completions") == true, "\(measurement.message ?? "")")
    }

    @Test func anEvaluationWithoutTestsOrWithoutAVersion() async throws {
        try await StubServer.run(Self.router(log: RequestLog())) { base in
            try await withHTTPClient { client in
                let runner = MetricRunner(httpClient: client, logger: .quiet)
                let metric = try Fixtures.metrics(Self.deployment(base))[0]
                let noTests = try Fixtures.input(tests: ["no-such-test"])
                let inconclusive = await runner.measure(metric, evaluation: noTests, now: Date())
                #expect(inconclusive.verdict == .inconclusive)
                #expect(inconclusive.message == "evaluation: template support-reply has no tests")
                let missing = await runner.measure(metric, evaluation: nil, now: Date())
                #expect(missing.verdict == .error)
                #expect(missing.message == "evaluation: no template version to evaluate")
            }
        }
    }
}
