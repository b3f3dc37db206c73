import Testing
@testable import PromptOpsCore

@Suite("Manifest loading")
struct LoaderTests {
    @Test func validTemplateLoadsWithDefaults() {
        let result = validate(["t.yaml": textTemplate("hello", text: "\"Hi {{who}}\"", inputs: "{who: {type: string, default: you}}")])
        #expect(result.diagnostics.isEmpty)
        let compiled = result.namespaces["default"]
        #expect(compiled?.entries["hello"] != nil)
    }

    @Test func syntaxErrorNamesLineAndColumn() {
        let result = validate(["bad.yaml": "apiVersion: promptops.dev/v1alpha1\nkind: [unclosed\n"])
        #expect(result.diagnostics.count == 1)
        let d = result.diagnostics[0]
        #expect(d.location.path == "bad.yaml")
        #expect(d.location.line == 3)
        #expect(d.message.contains("YAML syntax error"))
    }

    @Test func unknownFieldWrongTypeMissingFieldAllReported() {
        let yaml = """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata:
          name: t
          colour: red
        spec:
          inputs:
            n: {type: integer, required: "yes"}
          tests: {}
        """
        let out = lines(validate(["a.yaml": yaml]))
        #expect(out.contains("a.yaml:5:3: error: metadata: unknown field 'colour'; expected one of: name, namespace, labels, annotations"))
        #expect(out.contains("a.yaml:8:34: error: spec.inputs.n.required: expected true or false, got a string"))
        #expect(out.contains("a.yaml:9:10: error: spec.tests: expected a list, got a mapping"))
        #expect(out.contains("a.yaml:7:3: error: spec: needs exactly one of 'messages' or 'text'"))
    }

    @Test func missingRequiredFieldPointsAtTheMapping() {
        let yaml = "apiVersion: promptops.dev/v1alpha1\nkind: Deployment\nmetadata: {name: d}\nspec: {environment: prod}\n"
        let out = lines(validate(["d.yaml": yaml]))
        #expect(out.contains("d.yaml:4:7: error: spec: missing required field 'template'"))
    }

    @Test(arguments: ["Bad_Name", "-x", "a.b", String(repeating: "a", count: 64)])
    func badNamesAreRejected(name: String) {
        let out = validate(["n.yaml": textTemplate(name, text: "hi")]).diagnostics
        #expect(out.contains { $0.location.line == 3 && $0.message.contains("is not a DNS-1123 label") })
    }

    @Test func duplicateKeyIsAnError() {
        let out = lines(validate(["k.yaml": "apiVersion: promptops.dev/v1alpha1\nkind: PromptTemplate\nmetadata: {name: t}\nspec: {text: a, text: b}\n"]))
        #expect(out.count == 1)
        #expect(out[0].hasPrefix("k.yaml:4:17:"), "the second 'text', not the first")
        #expect(out[0].contains("duplicate key 'text'"))
    }

    /// The error points at the repeated key (the line someone just added), and names the first.
    @Test(arguments: [
        ("spec:\n  text: a\n  description: d\n  text: b\n", "k.yaml:7:3:", "first at line 5, column 3"),
        ("spec:\n  text: a\n  labels:\n    text: x\n  \"text\": b\n", "k.yaml:8:3:", "first at line 5, column 3"),
        ("spec:\n  tests:\n    - name: a\n      vars: {}\n      name: b\n", "k.yaml:8:7:", "first at line 6, column 7"),
    ])
    func duplicateKeyIsReportedWhereItRepeats(spec: String, prefix: String, first: String) {
        let out = lines(validate(["k.yaml": "apiVersion: promptops.dev/v1alpha1\nkind: PromptTemplate\nmetadata: {name: t}\n" + spec]))
        #expect(out.first { $0.contains("duplicate key") }?.hasPrefix(prefix) == true, "\(out)")
        #expect(out.first { $0.contains("duplicate key") }?.contains(first) == true, "\(out)")
    }

    @Test func sameObjectTwiceNamesBothPlaces() {
        let result = validate([
            "a.yaml": textTemplate("t", namespace: "team", text: "one"),
            "b.yaml": textTemplate("t", namespace: "team", text: "two"),
        ])
        #expect(lines(result) == ["b.yaml:3:18: error: PromptTemplate team/t is defined twice: first at a.yaml:3:18, again here"])
    }

    @Test func sameNameInTwoNamespacesIsFine() {
        let result = validate([
            "a.yaml": textTemplate("t", namespace: "one", text: "x"),
            "b.yaml": textTemplate("t", namespace: "two", text: "y"),
        ])
        #expect(result.diagnostics.isEmpty)
    }

    @Test func severalDocumentsPerFileAndUnknownKind() {
        let yaml = textTemplate("a", text: "x") + "\n---\n" + "apiVersion: promptops.dev/v1alpha1\nkind: Widget\nmetadata: {name: w}\nspec: {}\n"
        let out = lines(validate(["m.yaml": yaml]))
        #expect(out == ["m.yaml:10:7: error: kind: expected one of PromptTemplate, Deployment, Policy, got 'Widget'"])
    }

    @Test func wrongAPIVersionIsAnError() {
        let yaml = "apiVersion: promptops.dev/v2\nkind: PromptTemplate\nmetadata: {name: t}\nspec: {text: x}\n"
        #expect(lines(validate(["v.yaml": yaml])) == ["v.yaml:1:13: error: apiVersion: 'promptops.dev/v2' is not allowed; expected one of: promptops.dev/v1alpha1"])
    }

    @Test func yaml12ScalarsKeepNoAsString() {
        let yaml = textTemplate("t", text: "\"{{c}}\"", inputs: "{c: {type: string, enum: [no, yes, on]}}")
        #expect(validate(["t.yaml": yaml]).diagnostics.isEmpty)
    }

    @Test func numberWhereStringExpectedSuggestsQuoting() {
        let out = lines(validate(["l.yaml": "apiVersion: promptops.dev/v1alpha1\nkind: PromptTemplate\nmetadata: {name: t, labels: {version: 1}}\nspec: {text: x}\n"]))
        #expect(out == ["l.yaml:3:39: error: metadata.labels.version: expected a string, got an integer (quote it to make it a string)"])
    }

    @Test func skipsDotAndUnderscorePaths() {
        #expect(ManifestFile.isManifestPath("team/a.yaml"))
        #expect(ManifestFile.isManifestPath("a.yml"))
        #expect(!ManifestFile.isManifestPath("team/_draft.yaml"))
        #expect(!ManifestFile.isManifestPath(".git/config.yaml"))
        #expect(!ManifestFile.isManifestPath("team/.hidden/a.yaml"))
        #expect(!ManifestFile.isManifestPath("README.md"))
    }
}
