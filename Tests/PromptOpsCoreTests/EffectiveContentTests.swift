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
}
