import Testing
@testable import PromptOpsCore

/// What a controller keeps between passes is copied out of the pass's temporaries
/// (`LongLivedHeap`): the copies must be equal to what they copy and own their storage.
@Suite("Kept copies")
struct KeptCopyTests {
    /// Where a string's bytes live (nil for a string held inside the value).
    static func storage(_ text: String) -> UnsafeRawPointer? {
        var copy = text
        return copy.withUTF8 { UnsafeRawPointer($0.baseAddress) }
    }

    static let path = "prompts/team-with-a-long-name/support-deployments.yaml"

    static func load() throws -> ManifestLoader.FileLoad {
        let yaml = """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: support-reply-template, namespace: team-with-a-long-name, labels: {owner: support-team-on-call}}
        spec:
          text: "Hello {{name}}, thanks for writing."
          inputs: {name: {type: string}}
        ---
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: support-reply-production, namespace: team-with-a-long-name, labels: {owner: support-team-on-call}}
        spec:
          template: support-reply-template
          environment: production-europe-west
          strategy:
            type: Canary
            canary:
              steps: [{setWeight: 10}, {pause: {duration: 1m}}, {setWeight: 50}]
        """
        let load = ManifestLoader().loadFile(ManifestFile(path: path, bytes: Array(yaml.utf8)))
        #expect(load.diagnostics.isEmpty, "\(load.diagnostics)")
        return load
    }

    /// A file's kept copy holds equal objects, and its Deployment's strings, steps and path
    /// are new storage; the document's path shares the file path's.
    @Test func aKeptFileIsEqualAndOwnsItsStorage() throws {
        let load = try Self.load()
        var maps = SharedMaps()
        let kept = load.keptCopy(sharing: &maps)
        #expect(kept.path == load.path)
        #expect(Self.storage(kept.path) != Self.storage(load.path))
        #expect(kept.objects.map(\.key) == load.objects.map(\.key))
        #expect(kept.objects.map(\.nameLocation) == load.objects.map(\.nameLocation))
        #expect(kept.objects.allSatisfy { Self.storage($0.nameLocation.path) == Self.storage(kept.path) })
        guard case .deployment(let original) = load.objects[1].object, case .deployment(let copy) = kept.objects[1].object else {
            Issue.record("the second object is not a Deployment")
            return
        }
        #expect(copy == original)
        #expect(copy.document == original.document)
        #expect(copy.steps.count == 3)
        for (a, b) in [(copy.meta.name, original.meta.name), (copy.meta.namespace, original.meta.namespace),
                       (copy.template, original.template), (copy.environment!, original.environment!),
                       (copy.specHash, original.specHash), (copy.meta.labels["owner"]!, original.meta.labels["owner"]!)] {
            #expect(a == b)
            #expect(Self.storage(a) != Self.storage(b), "\(a) is shared")
        }
        copy.steps.withUnsafeBufferPointer { c in
            original.steps.withUnsafeBufferPointer { o in #expect(c.baseAddress != o.baseAddress) }
        }
    }

    /// A compacted template's location shares the kept file's path; its label map is
    /// shared with a kept Deployment's equal one.
    @Test func aCompactedTemplateSharesTheKeptPath() throws {
        let load = try Self.load()
        var maps = SharedMaps()
        let kept = load.keptCopy(sharing: &maps).compacted(sharing: &maps)
        guard case .compactTemplate(let compact) = kept.objects[0].object else {
            Issue.record("the first object is not compacted")
            return
        }
        #expect(compact.location.path == Self.path)
        #expect(Self.storage(compact.location.path) == Self.storage(kept.path))
        #expect(compact.expand() != nil)
    }

    /// Facts kept from a validation do not share the compiled namespace's arrays.
    @Test func keptFactsOwnTheirIncludes() throws {
        let yaml = """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: greeting-module, namespace: support}
        spec:
          text: "Hello {{name}}"
          inputs: {name: {type: string}}
        ---
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: reply, namespace: support}
        spec:
          text: "{{> greeting-module}} and welcome."
          inputs: {name: {type: string}}
        """
        let set = ManifestLoader().load([ManifestFile(path: "t.yaml", bytes: Array(yaml.utf8))])
        let compiled = CompiledNamespace(namespace: "support", templates: Dictionary(uniqueKeysWithValues: set.templates.map { ($0.key.name, $0.value) }))
        let facts = try #require(NamespaceFacts(compiled: compiled, problems: []))
        #expect(facts.includes["reply"] == ["greeting-module"])
        let kept = facts.includes["reply"]!, original = compiled.entries["reply"]!.includes
        kept.withUnsafeBufferPointer { k in original.withUnsafeBufferPointer { o in #expect(k.baseAddress != o.baseAddress) } }
    }
}
