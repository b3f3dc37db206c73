import Testing
@testable import PromptOpsCore

/// A controller keeps templates compacted between passes and re-derives them from their
/// canonical JSON; the re-derived template must be the same template (positions aside).
@Suite("Compacted templates")
struct CompactTemplateTests {
    /// Every template of the bundled examples, compacted and expanded, has the same content,
    /// contract, tests and hash, and validates the same.
    @Test func expandingGivesBackTheSameTemplate() throws {
        let files = try ManifestFileCollector.collect([packageRoot.appendingPathComponent("examples").path])
        let set = ManifestLoader().load(files)
        #expect(set.templates.count >= 5)
        for (key, template) in set.templates {
            let compact = CompactTemplate(template)
            let expanded = try #require(compact.expand(), "\(key)")
            #expect(expanded.meta == template.meta)
            #expect(expanded.origin.specJSON == template.origin.specJSON)
            #expect(expanded.origin.specHash == template.origin.specHash)
            #expect(expanded.origin.path == template.origin.path)
            #expect(expanded.description == template.description)
            #expect(expanded.modelName == template.modelName)
            #expect(expanded.modelParameters.map(CanonicalJSON.encode) == template.modelParameters.map(CanonicalJSON.encode))
            #expect(expanded.body.sources.map(\.source.text) == template.body.sources.map(\.source.text))
            #expect(expanded.body.sources.map(\.label) == template.body.sources.map(\.label))
            #expect(Set(expanded.inputs.keys) == Set(template.inputs.keys))
            for (name, input) in template.inputs {
                #expect(Self.withoutPositions(input) == Self.withoutPositions(expanded.inputs[name]!), "\(key) input \(name)")
            }
            #expect(expanded.tests.map(\.name) == template.tests.map(\.name))
            #expect(expanded.tests.map { CanonicalJSON.encode(.object($0.vars)) } == template.tests.map { CanonicalJSON.encode(.object($0.vars)) })
            #expect(expanded.tests.map { $0.assertions.map(\.type) } == template.tests.map { $0.assertions.map(\.type) })
        }
    }

    static func withoutPositions(_ spec: InputSpec) -> InputSpec {
        var copy = spec
        copy.location = nil
        copy.items = spec.items.map(withoutPositions)
        copy.properties = spec.properties.mapValues(withoutPositions)
        return copy
    }

    /// A set whose templates are compacted validates like the typed one once expanded.
    @Test func anExpandedSetValidatesLikeTheParsedOne() throws {
        let files = try ManifestFileCollector.collect([packageRoot.appendingPathComponent("examples").path])
        let parsed = ManifestLoader().load(files)
        var set = parsed
        for template in parsed.templates.values { set.adopt(CompactTemplate(template)) }
        #expect(set.templates.isEmpty)
        #expect(set.namespaces == parsed.namespaces)
        let (expanded, unreadable) = set.expand(namespaces: nil)
        #expect(unreadable.isEmpty)
        #expect(expanded == Set(parsed.templates.values.map(\.origin.path)))
        let a = ManifestValidator().validate(parsed)
        let b = ManifestValidator().validate(set)
        #expect(a.diagnostics == b.diagnostics)
        #expect(EffectiveContent.hashes(a.namespaces["support"]!) == EffectiveContent.hashes(b.namespaces["support"]!))
    }

    /// Values the canonical form writes differently (1.0 as 1, .inf as null) are decoded the
    /// canonical way from the file too, so both forms validate and report alike.
    @Test func numbersDecodeTheSameFromTheFileAndFromTheCanonicalForm() throws {
        let yaml = """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: p, namespace: n}
        spec:
          model: {name: m, parameters: {temperature: 1.0}}
          inputs:
            tone: {type: number, enum: [0.5, 1.0, .inf], default: 1.0}
          text: "{{tone}}"
          tests:
            - {name: t, vars: {tone: 2.0}, assert: [{type: contains, value: 1.0}]}

        """
        let set = ManifestLoader().load([ManifestFile(path: "p.yaml", bytes: Array(yaml.utf8))])
        let parsed = try #require(set.templates.values.first)
        let expanded = try #require(CompactTemplate(parsed).expand())
        #expect(Self.withoutPositions(parsed.inputs["tone"]!) == Self.withoutPositions(expanded.inputs["tone"]!))
        #expect(parsed.inputs["tone"]?.allowedValues == [.double(0.5), .int(1), .null])
        #expect(parsed.inputs["tone"]?.defaultValue == .int(1))
        #expect(parsed.tests.map(\.vars) == expanded.tests.map(\.vars))
        #expect(parsed.tests.first?.assertions.first?.value == expanded.tests.first?.assertions.first?.value)
        #expect(parsed.modelParameters == expanded.modelParameters)
    }

    @Test func jsonTreeReaderReadsWhatCanonicalJSONWrites() throws {
        let at = SourceLocation(path: "x.yaml", line: 1, column: 1)
        let text = #"{"a":[1,-2,3.5,1.5e-07,true,false,null],"b":"tab\t quote\" back\\ \u0001 é 😀","c":{}}"#
        let value = try #require(JSONTreeReader.read(text, at: at))
        #expect(CanonicalJSON.encode(value) == text)
        #expect(JSONTreeReader.read(#"{"a":"\ud83d\ude00"}"#, at: at)?["a"]?.string == "😀")
        for bad in ["", "{", "[1,]", #"{"a" 1}"#, "nul", #""\x""#, "[1] 2"] {
            #expect(JSONTreeReader.read(bad, at: at) == nil, "\(bad)")
        }
    }
}
