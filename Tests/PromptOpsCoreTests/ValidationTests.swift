import Testing
@testable import PromptOpsCore

@Suite("Validation beyond the schema")
struct ValidationTests {
    @Test func missingPartialNamesTheTagPosition() {
        let out = lines(validate(["t.yaml": textTemplate("t", namespace: "team", text: "\"Hi {{> nope}}\"")]))
        #expect(out == ["t.yaml:6:13: error: text: includes 'nope', but there is no PromptTemplate 'nope' in namespace 'team'"])
    }

    @Test func partialsDoNotCrossNamespaces() {
        let result = validate([
            "a.yaml": textTemplate("voice", namespace: "one", text: "calm"),
            "b.yaml": textTemplate("t", namespace: "two", text: "\"{{> voice}}\""),
        ])
        #expect(lines(result).count == 1)
        #expect(lines(result)[0].contains("no PromptTemplate 'voice' in namespace 'two'"))
    }

    @Test func includeCycleReportsTheChain() {
        let result = validate([
            "a.yaml": textTemplate("a", text: "\"{{> b}}\""),
            "b.yaml": textTemplate("b", text: "\"{{> c}}\""),
            "c.yaml": textTemplate("c", text: "\"{{<a}}{{/a}}\""),
        ])
        let out = lines(result)
        #expect(out.contains("a.yaml:6:10: error: text: include cycle: a → b → c → a"))
        #expect(out.contains("c.yaml:6:10: error: text: include cycle: c → a → b → c"))
    }

    @Test func blockTemplatePositionsMapToTheFile() {
        let yaml = """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: t}
        spec:
          inputs: {a: {type: string}}
          text: |
            first {{a}}
              second {{b}}
        """
        #expect(lines(validate(["t.yaml": yaml])) == ["t.yaml:8:14: error: text: reads 'b', but 'b' is not a declared input; declare it under spec.inputs"])
    }

    @Test func sectionScopeResolvesOnItemsThenFallsBack() {
        let inputs = "{orders: {type: array, items: {type: object, properties: {id: {type: string}}}}, shop: {type: string}}"
        let ok = validate(["t.yaml": textTemplate("t", text: "\"{{#orders}}{{id}} at {{shop}}{{/orders}}\"", inputs: inputs)])
        #expect(ok.diagnostics.isEmpty)
        let bad = validate(["t.yaml": textTemplate("t", text: "\"{{#orders}}{{sku}}{{/orders}}\"", inputs: inputs)])
        #expect(lines(bad) == ["t.yaml:6:21: error: text: reads 'sku', but 'sku' is not a declared input; declare it under spec.inputs"])
    }

    @Test func dottedNamesFollowDeclaredProperties() {
        let inputs = "{p: {type: object, properties: {name: {type: string}}}}"
        #expect(validate(["t.yaml": textTemplate("t", text: "\"{{p.name}}\"", inputs: inputs)]).diagnostics.isEmpty)
        let out = lines(validate(["t.yaml": textTemplate("t", text: "\"{{p.price}}\"", inputs: inputs)]))
        #expect(out == ["t.yaml:6:10: error: text: reads 'p.price', but 'p' declares no property 'price'"])
    }

    @Test func modulesContributeTheirInputs() {
        let result = validate([
            "voice.yaml": textTemplate("voice", text: "\"We are {{company}}.\"", inputs: "{company: {type: string, default: Acme}}"),
            "t.yaml": textTemplate("t", text: "\"{{> voice}} {{company}}\""),
        ])
        #expect(result.diagnostics.isEmpty)
        let rendered = result.namespaces["default"]!.render("t", values: [:])
        #expect(rendered == .success(.text("We are Acme. Acme")))
    }

    @Test func chatTemplatesCannotBeIncluded() {
        let chat = "apiVersion: promptops.dev/v1alpha1\nkind: PromptTemplate\nmetadata: {name: chat}\nspec: {messages: [{role: user, content: hi}]}\n"
        let out = lines(validate(["c.yaml": chat, "t.yaml": textTemplate("t", text: "\"{{> chat}}\"")]))
        #expect(out.count == 1)
        #expect(out[0].contains("'chat', which is a chat template"))
    }

    @Test func testVarsMustSatisfyTheContract() {
        let extra = """
          tests:
            - name: case
              vars: {n: "three", extra: 1}
              assert: [{type: max-length, value: 10}]
        """
        let out = lines(validate(["t.yaml": textTemplate("t", text: "\"{{n}} {{m}}\"", inputs: "{n: {type: integer}, m: {type: string, required: true}}", extra: extra)]))
        #expect(out.contains("t.yaml:9:13: error: tests[0] (case): vars: input 'extra': is not a declared input of this template (declared: m, n)"))
        #expect(out.contains("t.yaml:9:13: error: tests[0] (case): vars: input 'm': is required but has no value (expected a string)"))
        #expect(out.contains("t.yaml:9:13: error: tests[0] (case): vars: input 'n': expected an integer, got a string"))
    }

    @Test func inputDefaultsAndEnumsMustFitTheirType() {
        let out = lines(validate(["t.yaml": textTemplate("t", text: "\"{{n}}\"", inputs: "{n: {type: integer, default: x, enum: [1, two]}}")]))
        #expect(out.contains { $0.contains("input 'n': default: expected an integer, got a string") })
        #expect(out.contains { $0.contains("input 'n': enum value: expected an integer, got a string") })
    }

    @Test func deploymentNeedsItsTemplate() {
        let d = "apiVersion: promptops.dev/v1alpha1\nkind: Deployment\nmetadata: {name: d, namespace: x}\nspec: {template: ghost}\n"
        #expect(lines(validate(["d.yaml": d])) == ["d.yaml:4:18: error: spec.template: there is no PromptTemplate 'ghost' in namespace 'x'"])
    }

    @Test func analysisStepNeedsAnalysis() {
        let d = """
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: d}
        spec:
          template: t
          strategy: {type: Canary, canary: {steps: [{setWeight: 10}, {analysis: {}}]}}
        """
        let out = lines(validate(["d.yaml": d, "t.yaml": textTemplate("t", text: "x")]))
        #expect(out == ["d.yaml:6:62: error: spec.strategy.canary.steps[1]: an analysis step needs spec.analysis with metrics or a judge"])
    }

    @Test func experimentNeedsSomethingToDecideIt() {
        let d = """
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: d}
        spec:
          template: t
          strategy: {type: Experiment, experiment: {weight: 30, duration: 168h}}
        """
        let out = lines(validate(["d.yaml": d, "t.yaml": textTemplate("t", text: "x")]))
        #expect(out == ["d.yaml:6:13: error: spec.strategy: an Experiment needs spec.analysis with a judge or metrics to decide it"])
    }

    @Test func judgeWarnsWhenTheBudgetIsTooSmallOrThereAreNoTests() {
        let d = """
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: d}
        spec:
          template: t
          strategy: {type: Canary, canary: {steps: [{setWeight: 10}, {analysis: {}}]}}
          analysis:
            metrics:
              - {name: judge, provider: {web: {url: "https://scores.example.com/s", jsonPath: $.s}}, thresholdRange: {min: 1}}
            judge:
              type: comparative
              evaluation: {endpoint: "https://api.example.com/v1", model: m}
              margin: 0.02
              maxSamples: 500
        """
        let out = lines(validate(["d.yaml": d, "t.yaml": textTemplate("t", text: "x")]))
        #expect(out.count == 3, "\(out)")
        #expect(out.contains { $0.hasPrefix("d.yaml:11:7: error: spec.analysis.judge: its measurements are named 'judge'") }, "\(out)")
        #expect(out.contains { $0.hasPrefix("d.yaml:14:19: warning: spec.analysis.judge.maxSamples: 500 pairs per version are fewer than a fixed-sample test needs (3746)") }, "\(out)")
        #expect(out.contains { $0.hasPrefix("d.yaml:11:7: warning: spec.analysis.judge: PromptTemplate 't' has no tests") }, "\(out)")
    }

    @Test("a judge setting of .nan or .inf is a located error, not a crash", arguments: ["falseRollback: .nan", "margin: .nan", "missedRegression: -.inf"])
    func nonFiniteJudgeSettings(setting: String) {
        let d = """
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: d}
        spec:
          template: t
          strategy: {type: Canary, canary: {steps: [{setWeight: 10}, {analysis: {}}]}}
          analysis:
            judge: {type: comparative, evaluation: {endpoint: "https://api.example.com/v1", model: m}, \(setting)}
        """
        let out = lines(validate(["d.yaml": d, "t.yaml": textTemplate("t", text: "x")]))
        #expect(out.contains { $0.hasPrefix("d.yaml:8:") && $0.contains("error:") && $0.contains("expected a finite number") }, "\(out)")
    }

    @Test func stepNeedsExactlyOneAction() {
        let d = """
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: d}
        spec:
          template: t
          strategy: {type: Canary, canary: {steps: [{setWeight: 10, pause: {}}]}}
        """
        let out = lines(validate(["d.yaml": d, "t.yaml": textTemplate("t", text: "x")]))
        #expect(out == ["d.yaml:6:45: error: spec.strategy.canary.steps[0]: has 'setWeight' and 'pause'; set exactly one of 'setWeight' or 'pause' or 'analysis'"])
    }

    @Test func quickstartExampleValidatesClean() throws {
        // examples/ci (a CI workflow) and examples/config (a controller config) are not prompts.
        let files = try ManifestFileCollector.collect([packageRoot.appendingPathComponent("examples").path])
            .filter { !$0.path.contains("/examples/ci/") && !$0.path.contains("/examples/config/") }
        #expect(files.count >= 9)
        let result = ManifestValidator().validate(ManifestLoader().load(files))
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        #expect(Set(result.namespaces.keys).isSuperset(of: ["support", "marketing"]))
    }
}
