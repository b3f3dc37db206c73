import PromptOpsMustache
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

    /// Templates compacted with the same ``SharedMaps`` hold one storage per distinct label
    /// map; equal maps stay equal, different ones stay apart.
    @Test func equalLabelMapsAreStoredOnce() throws {
        func template(_ name: String, labels: String) -> String {
            """
            apiVersion: promptops.dev/v1alpha1
            kind: PromptTemplate
            metadata: {name: \(name), namespace: n, labels: \(labels)}
            spec: {text: "hi"}

            """
        }
        let files = [
            ManifestFile(path: "a.yaml", bytes: Array(template("a", labels: "{team: support, owner: someone-with-a-long-name}").utf8)),
            ManifestFile(path: "b.yaml", bytes: Array(template("b", labels: "{owner: someone-with-a-long-name, team: support}").utf8)),
            ManifestFile(path: "c.yaml", bytes: Array(template("c", labels: "{team: billing, owner: someone-with-a-long-name}").utf8)),
        ]
        let set = ManifestLoader().load(files)
        var maps = SharedMaps()
        var compact: [String: CompactTemplate] = [:]
        for name in ["a", "b", "c"] {
            let typed = try #require(set.templates[ObjectKey(kind: "PromptTemplate", namespace: "n", name: name)])
            compact[name] = CompactTemplate(typed, sharing: &maps)
            #expect(compact[name]?.meta.labels == typed.meta.labels)
        }
        func storage(_ map: [String: String]) -> [UInt8] { withUnsafeBytes(of: map) { Array($0) } }
        let a = try #require(compact["a"]), b = try #require(compact["b"]), c = try #require(compact["c"])
        #expect(storage(a.meta.labels) == storage(b.meta.labels))
        #expect(storage(a.meta.labels) != storage(c.meta.labels))
        #expect(c.meta.labels["team"] == "billing" && a.meta.labels["team"] == "support")
        // Without a shared table each template has its own copy.
        let alone = CompactTemplate(try #require(set.templates[ObjectKey(kind: "PromptTemplate", namespace: "n", name: "b")]))
        #expect(alone.meta.labels == a.meta.labels && storage(alone.meta.labels) != storage(a.meta.labels))
    }

    /// What the server's cache keeps of a stored version (``CompiledNamespace/trimmedForRendering(_:)``)
    /// renders every example exactly as the full compile does, refuses the same inputs, and
    /// holds no tests, description, canonical spec, source text or analysis.
    @Test func aTrimmedVersionRendersLikeTheFullOne() throws {
        let files = try ManifestFileCollector.collect([packageRoot.appendingPathComponent("examples").path])
        let set = ManifestLoader().load(files)
        let desired = DesiredState(set: set, validation: ManifestValidator().validate(set))
        var rendered = 0
        for (namespace, desiredNamespace) in desired.namespaces {
            for (name, template) in desiredNamespace.templates {
                let full = try #require(CompiledNamespace(effectiveJSON: template.effectiveJSON, namespace: namespace, template: name))
                let trimmed = full.trimmedForRendering(name)
                #expect(Array(trimmed.entries.keys) == [name])
                for entry in trimmed.entries.values {
                    #expect(entry.template.tests.isEmpty && entry.template.description == nil && entry.template.inputs.isEmpty)
                    #expect(entry.template.origin.specJSON.isEmpty && entry.template.origin.specHash.isEmpty)
                    // The text lies once, in the compiled literals: not in the body, nor as a
                    // compiled template's source or analysis.
                    #expect(entry.template.body.sources.allSatisfy { $0.source.text.isEmpty })
                    #expect(entry.compiled.allSatisfy { $0?.source == "" && $0?.analysis == MustacheAnalysis() })
                }
                #expect(trimmed.library.templates.values.allSatisfy { $0.source.isEmpty && $0.analysis == MustacheAnalysis() })
                #expect(trimmed.library.templates.keys.sorted() == full.library.templates.keys.sorted())
                #expect(trimmed.effectiveContract(of: name) == full.effectiveContract(of: name))
                for test in full.entries[name]?.template.tests ?? [] {
                    #expect(trimmed.render(name, values: test.vars) == full.render(name, values: test.vars), "\(namespace)/\(name) \(test.name)")
                    rendered += 1
                }
                #expect(trimmed.render(name, values: [:]) == full.render(name, values: [:]), "\(namespace)/\(name) without inputs")
            }
        }
        #expect(rendered >= 5)
    }
}
