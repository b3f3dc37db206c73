import Testing
@testable import PromptOpsCore

@Suite("Effective content and version identity")
struct EffectiveContentTests {
    func hashes(_ files: [String: String]) -> [String: String] {
        EffectiveContent.hashes(validate(files).namespaces["default"]!)
    }

    @Test func formattingAndKeyOrderDoNotChangeTheHash() {
        let a = hashes(["t.yaml": textTemplate("t", text: "\"hi {{x}}\"", inputs: "{x: {type: string, required: true}}")])
        let b = hashes(["t.yaml": "kind: PromptTemplate\napiVersion: promptops.dev/v1alpha1\nmetadata: {name: t, labels: {a: b}}\nspec:\n  text: 'hi {{x}}'\n  inputs:\n    x:\n      required: true\n      type: string\n"])
        #expect(a["t"] == b["t"])
        #expect(a["t"]?.count == 64)
    }

    @Test func contentChangeChangesTheHash() {
        let a = hashes(["t.yaml": textTemplate("t", text: "one")])
        let b = hashes(["t.yaml": textTemplate("t", text: "two")])
        #expect(a["t"] != b["t"])
    }

    @Test func moduleChangeChangesDependentsTransitively() {
        func files(_ voice: String) -> [String: String] {
            [
                "voice.yaml": textTemplate("voice", text: voice),
                "base.yaml": textTemplate("base", text: "\"{{> voice}} {{$b}}{{/b}}\""),
                "child.yaml": textTemplate("child", text: "\"{{<base}}{{$b}}x{{/b}}{{/base}}\""),
                "other.yaml": textTemplate("other", text: "alone"),
            ]
        }
        let before = hashes(files("calm"))
        let after = hashes(files("loud"))
        #expect(before["voice"] != after["voice"])
        #expect(before["base"] != after["base"])
        #expect(before["child"] != after["child"])
        #expect(before["other"] == after["other"])
    }

    /// Stored versions are identified by these bytes: a change to the canonical form would make
    /// every served template look changed after an upgrade. The expected values were written
    /// by the first released encoder (commit 1916fb4) into a store.
    @Test func canonicalFormAndHashAreStableAcrossReleases() {
        let yaml = """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: weird}
        spec:
          model: {name: x, parameters: {temperature: 0.2, maxTokens: 100}}
          text: "tab\\there \\"q\\" back\\\\slash \\u0001 ctl é 日本 \\U0001F600 {{a}}"
          inputs: {a: {type: number, minimum: 1.5e-7, maximum: 3.0}}

        """
        let result = validate(["weird.yaml": yaml])
        #expect(lines(result) == [])
        let template = result.namespaces["default"]!.entries["weird"]!.template
        #expect(template.origin.specJSON == #"{"inputs":{"a":{"maximum":3,"minimum":1.5e-07,"type":"number"}},"model":{"name":"x","parameters":{"maxTokens":100,"temperature":0.2}},"text":"tab\there \"q\" back\\slash \u0001 ctl é 日本 😀 {{a}}"}"#)
        #expect(EffectiveContent.hashes(result.namespaces["default"]!)["weird"]
                == "b27393f2197876d2e909878447b4bad3e09f312d970bb0f7d40b631363687cf9")
    }

    /// `1:` and `"1":` are different YAML nodes that name the same key: the reader refuses
    /// them as a duplicate, and should a tree still hold a key twice, the canonical form keeps
    /// the last value (as the first release's encoder did).
    @Test func aKeyWrittenTwiceIsRefusedAndOtherwiseKeepsItsLastValue() {
        let (_, problems) = YAMLDocumentReader().read(Array("{b: 0, 1: a, \"1\": b}".utf8), path: "x.yaml")
        #expect(problems.map(\.message).contains { $0.contains("duplicate key '1'") })
        let at = SourceLocation(path: "x.yaml", line: 1, column: 1)
        func member(_ key: String, _ value: String) -> LocatedValue.Member {
            LocatedValue.Member(key: key, keyLocation: at, value: LocatedValue(.string(value), at: at))
        }
        let tree = LocatedValue(.object([member("b", "0"), member("1", "a"), member("1", "b")]), at: at)
        #expect(CanonicalJSON.encode(tree) == #"{"1":"b","b":"0"}"#)
    }
}
