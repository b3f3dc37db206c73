import PromptOpsAnalysis
import PromptOpsCore
import Testing

struct AssertionScorerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var type: String
        var value: TemplateValue?
        var output: String
        var latencyMs: Double? = nil
        var passes: Bool
        var reasonContains: String
        var testDescription: String { "\(type) \(value.map { "\($0)" } ?? "-") on \"\(output.prefix(20))\" → \(passes)" }
    }

    static let cases: [Case] = [
        Case(type: "equals", value: .string("yes"), output: "yes", passes: true, reasonContains: "equals"),
        Case(type: "equals", value: .string("yes"), output: "  yes\n", passes: true, reasonContains: "equals"),
        Case(type: "equals", value: .string("yes"), output: "yes!", passes: false, reasonContains: "does not equal \"yes\""),
        Case(type: "equals", value: .int(42), output: "42", passes: true, reasonContains: "equals \"42\""),
        Case(type: "contains", value: .string("Ana"), output: "Hello Ana", passes: true, reasonContains: "contains \"Ana\""),
        Case(type: "contains", value: .string("Ana"), output: "Hello ana", passes: false, reasonContains: "does not contain"),
        Case(type: "icontains", value: .string("ANA"), output: "Hello ana", passes: true, reasonContains: "ignoring case"),
        Case(type: "icontains", value: .string("Bo"), output: "Hello ana", passes: false, reasonContains: "does not contain"),
        Case(type: "not-contains", value: .string("As an AI"), output: "Hi there", passes: true, reasonContains: "does not contain"),
        Case(type: "not-contains", value: .string("As an AI"), output: "As an AI, no", passes: false, reasonContains: "must not"),
        Case(type: "regex", value: .string(#"order #\d{4}"#), output: "Your order #1234 ships", passes: true, reasonContains: "order #1234"),
        Case(type: "regex", value: .string(#"^\d+$"#), output: "12a", passes: false, reasonContains: "does not match"),
        Case(type: "regex", value: .string("(unclosed"), output: "x", passes: false, reasonContains: "invalid regex"),
        // A model's answer cannot make a pattern backtrack for ever: linear time, matching or not.
        Case(type: "regex", value: .string("(a+)+$"), output: String(repeating: "a", count: 50_000) + "!", passes: false, reasonContains: "does not match"),
        Case(type: "regex", value: .string("(x+x+)+y"), output: String(repeating: "x", count: 50_000) + "y", passes: true, reasonContains: "matches"),
        Case(type: "regex", value: .string("(?=a)a"), output: "a", passes: false, reasonContains: "invalid regex"),
        Case(type: "starts-with", value: .string("Hello"), output: "\n Hello Ana", passes: true, reasonContains: "starts with \"Hello\""),
        Case(type: "starts-with", value: .string("Hello"), output: "Hi Ana", passes: false, reasonContains: "not \"Hello\""),
        Case(type: "is-json", value: nil, output: #"{"a": [1, 2]}"#, passes: true, reasonContains: "valid JSON"),
        Case(type: "is-json", value: nil, output: "{a: 1}", passes: false, reasonContains: "not valid JSON"),
        Case(type: "max-length", value: .int(5), output: "héllo", passes: true, reasonContains: "5 characters"),
        Case(type: "max-length", value: .int(4), output: "héllo", passes: false, reasonContains: "over the maximum 4"),
        Case(type: "min-length", value: .int(3), output: "abc", passes: true, reasonContains: "at least"),
        Case(type: "min-length", value: .string("10"), output: "abc", passes: false, reasonContains: "under the minimum 10"),
        Case(type: "max-tokens", value: .int(2), output: "12345678", passes: true, reasonContains: "about 2 tokens"),
        Case(type: "max-tokens", value: .int(2), output: "123456789", passes: false, reasonContains: "about 3 tokens"),
        Case(type: "latency-ms", value: .int(500), output: "x", latencyMs: 120.4, passes: true, reasonContains: "took 120 ms"),
        Case(type: "latency-ms", value: .int(500), output: "x", latencyMs: 900, passes: false, reasonContains: "over 500 ms"),
        Case(type: "latency-ms", value: .int(500), output: "x", latencyMs: nil, passes: false, reasonContains: "no call latency"),
        Case(type: "contains", value: nil, output: "x", passes: false, reasonContains: "needs a value"),
        Case(type: "max-length", value: .string("many"), output: "x", passes: false, reasonContains: "numeric value"),
        Case(type: "sounds-nice", value: .string("x"), output: "x", passes: false, reasonContains: "unknown assertion type"),
    ]

    @Test(arguments: cases)
    func checksOneAssertion(_ c: Case) {
        let result = AssertionScorer.check(type: c.type, value: c.value, output: c.output, latencyMs: c.latencyMs)
        #expect(result.passed == c.passes, "\(result.reason)")
        #expect(result.reason.contains(c.reasonContains), "reason was: \(result.reason)")
        #expect(result.type == c.type)
    }

    @Test(arguments: [
        // (passed flags with weights, threshold, expected score, expected pass)
        ([(true, 1.0), (true, 1.0)], 1.0, 1.0, true),
        ([(true, 1.0), (false, 1.0)], 1.0, 0.5, false),
        ([(true, 3.0), (false, 1.0)], 0.75, 0.75, true),
        ([(true, 0.1), (true, 0.2), (false, 0.7)], 0.3, 0.3, true),
        ([(false, 2.0), (true, 0.0)], 0.5, 0.0, false),
        ([], 1.0, 1.0, true),
    ] as [([(Bool, Double)], Double, Double, Bool)])
    func weighsAssertions(_ checks: [(Bool, Double)], threshold: Double, score: Double, passes: Bool) {
        let results = checks.map {
            AssertionResult(type: "contains", value: "x", weight: $0.1, passed: $0.0, reason: "")
        }
        let scored = AssertionScorer.score(results: results, threshold: threshold)
        #expect(abs(scored.score - score) < 1e-9)
        #expect(scored.passed == passes)
    }

    @Test func scoresATestFromAManifestWithWeightsAndThreshold() throws {
        let yaml = """
            apiVersion: promptops.dev/v1alpha1
            kind: PromptTemplate
            metadata: {name: t}
            spec:
              inputs: {name: {type: string}}
              text: "Hi {{name}}"
              tests:
                - name: weighted
                  threshold: 0.7
                  vars: {name: Ana}
                  assert:
                    - {type: contains, value: Ana, weight: 3}
                    - {type: max-length, value: 5}
            """
        let set = ManifestLoader().load([ManifestFile(path: "t.yaml", bytes: Array(yaml.utf8))])
        #expect(!set.hasErrors)
        let test = try #require(set.template("t", in: "default")?.tests.first)
        let scored = AssertionScorer.score("Hello Ana, welcome", against: test, latencyMs: nil)
        #expect(scored.score == 0.75)
        #expect(scored.threshold == 0.7)
        #expect(scored.passed)
        #expect(scored.assertions.map(\.passed) == [true, false])
        #expect(scored.assertions[1].reason == "output has 18 characters, over the maximum 5")
    }
}
