import AsyncHTTPClient
import Foundation
import Hummingbird
import PromptOpsAnalysis
import PromptOpsCore
import Testing

/// The evaluation against a real fake model endpoint on loopback.
struct EvaluationRunnerTests {
    func runner(_ client: HTTPClient, _ base: String, repeats: Int = 1, apiKey: String? = nil,
                timeout: Duration = .seconds(60)) -> EvaluationRunner {
        EvaluationRunner(
            client: ChatCompletionsClient(httpClient: client, endpoint: base + "/v1", model: "fake-model", apiKey: apiKey, timeout: timeout),
            repeats: repeats)
    }

    @Test func goodAnswersPassEveryRun() async throws {
        let log = RequestLog()
        let report = try await StubServer.run(FakeModelEndpoint.router(log: log)) { base in
            try await withHTTPClient { client in
                await runner(client, base, repeats: 3).run(try Fixtures.input(tests: ["greets-ana", "greets-bo"]), threshold: 0.95)
            }
        }
        #expect(report.failure == nil)
        #expect(report.passRate == 1.0)
        #expect(report.meetsThreshold)
        #expect(report.totalRuns == 6)
        #expect(report.tests.map(\.name) == ["greets-ana", "greets-bo"])
        let run = report.tests[0].runs[0]
        #expect(run.output == "Hello Ana, your order ships tomorrow.")
        #expect(run.assertionResults.count == 3 && run.assertionResults.allSatisfy(\.passed))
        #expect((run.latencyMs ?? -1) >= 0)
        #expect(await log.entries.count == 6)
    }

    @Test func badAnswersFailEveryRunWithReasons() async throws {
        let report = try await StubServer.run(FakeModelEndpoint.router(log: RequestLog())) { base in
            try await withHTTPClient { client in
                await runner(client, base, repeats: 2).run(try Fixtures.input(tests: ["bad-ticket"]))
            }
        }
        #expect(report.passRate == 0.0)
        #expect(!report.meetsThreshold)
        let run = try #require(report.tests.first?.runs.first)
        #expect(!run.passed && run.score == 0)
        #expect(run.assertionResults.first?.reason == "output contains \"As an AI\", which it must not")
        #expect(report.text.contains("FAIL bad-ticket: 0/2 run(s) passed"))
        #expect(report.text.contains("FAIL not-contains \"As an AI\": output contains \"As an AI\", which it must not"))
        #expect(report.text.hasSuffix("FAIL pass rate 0.0 (0/2 runs) is below the threshold 1.0 (default)\n"))
    }

    @Test func mixedAnswersGiveAPartialPassRate() async throws {
        let report = try await StubServer.run(FakeModelEndpoint.router(log: RequestLog())) { base in
            try await withHTTPClient { client in
                await runner(client, base, repeats: 2).run(try Fixtures.input(), threshold: 0.6)
            }
        }
        #expect(report.totalRuns == 6)
        #expect(report.passedRuns == 4)
        #expect(abs((report.passRate ?? 0) - 4.0 / 6.0) < 1e-9)
        #expect(report.meetsThreshold)
        #expect(report.summary == "PASS pass rate 0.67 (4/6 runs) meets the threshold 0.6")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(json["passedRuns"] as? Int == 4)
        #expect(json["meetsThreshold"] as? Bool == true)
        #expect(json["failure"] is NSNull)
        let tests = try #require(json["tests"] as? [[String: Any]])
        #expect(tests.map { $0["name"] as? String } == ["greets-ana", "greets-bo", "bad-ticket"])
        let runs = try #require(tests[2]["runs"] as? [[String: Any]])
        #expect(runs.count == 2 && runs[0]["passed"] as? Bool == false)
    }

    @Test func sendsModelMessagesParametersAndTheAPIKey() async throws {
        let log = RequestLog()
        try await StubServer.run(FakeModelEndpoint.router(log: log)) { base in
            try await withHTTPClient { client in
                let keyed = runner(client, base, apiKey: "sk-test-123")
                _ = await keyed.run(try Fixtures.input(tests: ["greets-ana"]))
                let unset = runner(client, base, apiKey: nil)
                _ = await unset.run(try Fixtures.input(tests: ["greets-ana"]))
            }
        }
        let entries = await log.entries
        #expect(entries.map(\.authorization) == ["Bearer sk-test-123", nil])
        let body = try #require(try JSONSerialization.jsonObject(with: Data(entries[0].body.utf8)) as? [String: Any])
        #expect(body["model"] as? String == "fake-model")
        #expect(body["temperature"] as? Double == 0.2)
        #expect(body["max_tokens"] as? Int == 100)
        let messages = try #require(body["messages"] as? [[String: String]])
        #expect(messages == [
            ["role": "system", "content": "You answer support tickets."],
            ["role": "user", "content": "Customer: Ana. Ticket: Where is my order?"],
        ])
    }

    @Test func aTextTemplateIsOneUserMessageAndTheEndpointMayEndInASlash() async throws {
        let log = RequestLog()
        let report = try await StubServer.run(FakeModelEndpoint.router(log: log)) { base in
            try await withHTTPClient { client in
                let runner = EvaluationRunner(client: ChatCompletionsClient(
                    httpClient: client, endpoint: base + "/v1/", model: "m"))
                return await runner.run(try Fixtures.input("summary"))
            }
        }
        #expect(report.passRate == 1.0)
        let body = try #require(await log.entries.first?.body)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(json["messages"] as? [[String: String]] == [["role": "user", "content": "Customer: Di. Summarize the ticket."]])
        #expect(json["temperature"] == nil)
    }

    @Test func anEndpointThatIsDownIsAFailureNotAPassRate() async throws {
        let started = ContinuousClock.now
        let (base, report) = try await StubServer.withRefusingAddress { base in
            try await withHTTPClient { client in
                (base, await runner(client, base, repeats: 3, timeout: .seconds(900)).run(try Fixtures.input(), threshold: 0.9))
            }
        }
        // A refused connection fails at once, not at the call timeout (900 s). The bound is half
        // of it: the whole suite shares two cores, where this test's wall time has reached 66 s.
        #expect(ContinuousClock.now - started < .seconds(450))
        #expect(report.passRate == nil)
        #expect(!report.meetsThreshold)
        let failure = try #require(report.failure)
        #expect(failure.code == "endpoint-failed")
        #expect(failure.message.contains("cannot connect to \(base)/v1/chat/completions"))
        #expect(failure.message.contains("not attempted"))
        #expect(report.tests.flatMap(\.runs).allSatisfy { !$0.passed && $0.error != nil })
        #expect(report.text.contains("ERROR evaluation failed:"))
    }

    @Test func aSlowModelTimesOut() async throws {
        let report = try await StubServer.run(FakeModelEndpoint.router(log: RequestLog())) { base in
            try await withHTTPClient { client in
                let input = try Fixtures.input(tests: ["greets-ana"])
                var slow = input.tests
                slow[0].vars["ticket"] = .string("SLOW please")
                let started = ContinuousClock.now
                let report = await runner(client, base, timeout: .milliseconds(300))
                    .run(EvaluationInput(namespace: input.namespace, template: "support-reply", tests: slow))
                // The stub answers after several seconds; the 300 ms timeout must cut it short.
                // The failure message below proves the 300 ms timeout cut the call; this bound only
                // catches a hang (the full suite on 2 cores has starved a timer for seconds).
                #expect(ContinuousClock.now - started < .seconds(60), "the stub answers after 12 s")
                return report
            }
        }
        #expect(report.failure?.message.contains("within 300ms") == true)
        #expect(report.tests[0].runs[0].error?.contains("model call failed: no answer from") == true)
    }

    @Test(arguments: [
        ("CRASH", "answered HTTP 500 (server error)"),
        ("GARBLE", "the body is not JSON (15 bytes)"),
    ])
    func badAnswersOfTheEndpointAreTyped(ticket: String, expected: String) async throws {
        let outcome = try await StubServer.run(FakeModelEndpoint.router(log: RequestLog())) { base in
            try await withHTTPClient { client in
                let chat = ChatCompletionsClient(httpClient: client, endpoint: base + "/v1", model: "m")
                do {
                    _ = try await chat.complete(.text(ticket))
                    return "no error"
                } catch let error as EndpointError {
                    return "\(error.code): \(error)"
                }
            }
        }
        #expect(outcome.contains(expected), "\(outcome)")
    }

    @Test func aTestWhoseVarsBreakTheContractFailsItsRuns() async throws {
        let report = try await StubServer.run(FakeModelEndpoint.router(log: RequestLog())) { base in
            try await withHTTPClient { client in
                let input = try Fixtures.input(tests: ["greets-ana"])
                var broken = input.tests
                broken[0].vars["unknown"] = .string("x")
                return await runner(client, base)
                    .run(EvaluationInput(namespace: input.namespace, template: "support-reply", tests: broken))
            }
        }
        #expect(report.passRate == 0)
        #expect(report.tests[0].runs[0].error?.hasPrefix("render failed:") == true)
        #expect(report.tests[0].runs[0].error?.contains("unknown") == true)
    }

    @Test func longOutputIsTruncatedInTheReport() async throws {
        let router = Router()
        router.post("/v1/chat/completions") { _, _ in
            jsonResponse(FakeModelEndpoint.completion(String(repeating: "Ana ", count: 1000)))
        }
        let report = try await StubServer.run(router) { base in
            try await withHTTPClient { client in
                await EvaluationRunner(
                    client: ChatCompletionsClient(httpClient: client, endpoint: base + "/v1", model: "m"),
                    outputLimit: 50
                ).run(try Fixtures.input(tests: ["greets-ana"]))
            }
        }
        let run = report.tests[0].runs[0]
        #expect(run.output?.count == 50)
        #expect(run.outputTruncated)
        #expect(run.assertionResults.first { $0.type == "max-length" }?.reason == "output has 4000 characters, over the maximum 200")
    }

    @Test func aStoredVersionIsEvaluatedFromItsEffectiveContent() async throws {
        let effective = """
            {"modules":{},"spec":{"inputs":{"customer_name":{"type":"string","required":true}},
             "text":"Customer: {{customer_name}}.",
             "tests":[{"name":"t","vars":{"customer_name":"Eve"},"assert":[{"type":"contains","value":"Eve"}]}]}}
            """
        let input = try #require(EvaluationInput(effectiveJSON: effective, namespace: "support", template: "stored"))
        #expect(input.tests.map(\.name) == ["t"])
        let report = try await StubServer.run(FakeModelEndpoint.router(log: RequestLog())) { base in
            try await withHTTPClient { client in await runner(client, base).run(input) }
        }
        #expect(report.passRate == 1.0)
        #expect(report.template == "stored" && report.namespace == "support")
    }

    @Test func aMissingTemplateIsAFailureWithoutCallingTheModel() async throws {
        let report = try await StubServer.withRefusingAddress { base in
            try await withHTTPClient { client in
                await runner(client, base).run(EvaluationInput(namespace: try Fixtures.namespace(), template: "nope"))
            }
        }
        #expect(report.failure == EvaluationReport.Failure(
            code: "template-not-found", message: "no PromptTemplate 'nope' in namespace 'support'"))
        #expect(report.passRate == nil && report.tests.isEmpty)
    }
}
