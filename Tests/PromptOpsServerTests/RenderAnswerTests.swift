import Foundation
import NIOCore
import PromptOpsCore
import PromptOpsStore
@testable import PromptOpsServer
import Testing

/// The render answer written while rendering (each message's bytes escaped straight into the
/// answer) against the answer written from the rendered `String`s.
@Suite("Render answers written while rendering")
struct RenderAnswerTests {
    static let manifests = """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: chat, namespace: t}
        spec:
          inputs:
            who: {type: string, required: true}
            items: {type: array, items: {type: string}}
            n: {type: integer, maximum: 1000}
          messages:
            - role: system
              content: "Helping {{who}} \\"quoted\\"\\n\\ttabbed"
            - role: user
              content: "{{#items}}- {{.}}\\n{{/items}}{{^items}}none{{/items}} {{> part}} {{n}}"
        ---
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: part, namespace: t}
        spec:
          text: "[part for {{who}}]"
        ---
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: plain, namespace: t}
        spec:
          inputs:
            who: {type: string, required: true}
          text: "Hi {{who}} <&> \\u00e9\\u2028 \\U0001F600"
        """

    static func namespace() throws -> CompiledNamespace {
        let set = ManifestLoader().load([ManifestFile(path: "t.yaml", bytes: Array(manifests.utf8))])
        try #require(!set.hasErrors, "\(set.diagnostics)")
        return CompiledNamespace(namespace: "t", templates: set.templates(in: "t"))
    }

    /// The answer as the server wrote it before rendering and encoding were one step: from
    /// the rendered `String`s (the reference the streamed answer is compared with).
    static func reference(_ prompt: RenderedPrompt, template: String, version: VersionRef, variant: TrafficSplit.Variant) -> JSONWriter {
        var json = JSONWriter()
        json.objectStart()
        json.member("template", template)
        json.member("version", version.version)
        json.member("hash", version.hash)
        json.member("variant", variant.rawValue)
        switch prompt {
        case .messages(let messages):
            json.key("messages")
            json.arrayStart()
            for m in messages {
                json.objectStart()
                json.member("role", m.role)
                json.member("content", m.content)
                json.objectEnd()
            }
            json.arrayEnd()
        case .text(let text):
            json.member("text", text)
        }
        json.objectEnd()
        return json
    }

    static let version = VersionRef(version: 3, hash: String(repeating: "ab", count: 32))

    @Test("chat and text answers are the bytes the String-based writer gives; failures are the same failures",
          arguments: [
            ("chat", #"{"who": "Ann \"A\" \\ <b>", "items": ["x", "y\u0001z", "é😀"], "n": 7}"#),
            ("chat", #"{"who": "Bo", "items": []}"#),
            ("chat", #"{"who": ""}"#),
            ("plain", #"{"who": "Cy\n\t"}"#),
            ("plain", #"{"who": "\u2028"}"#),
            ("chat", #"{"items": ["x"]}"#),
            ("chat", #"{"who": "a", "n": 5000}"#),
            ("chat", #"{"who": "a", "other": 1}"#),
            ("missing", #"{}"#),
          ])
    func sameAsStringWriter(template: String, body: String) throws {
        let compiled = try Self.namespace()
        let values = try RenderRequest(body: Array(#"{"variables": \#(body)}"#.utf8)).variables
        for limits in [RenderLimits.standard, RenderLimits(maximumBytes: 20, maximumSteps: 1_000), RenderLimits(maximumBytes: 1 << 20, maximumSteps: 3)] {
            let streamed = RenderAnswer.render(compiled, template: template, values: values, limits: limits, version: Self.version, variant: .canary)
            let written = compiled.render(template, values: values, limits: limits).map {
                Self.reference($0, template: template, version: Self.version, variant: .canary)
            }
            switch (streamed, written) {
            case (.success(let a), .success(let b)):
                #expect(a.bytes == b.bytes, "\(String(decoding: a.bytes, as: UTF8.self))")
                #expect((try? JSONSerialization.jsonObject(with: Data(a.bytes))) != nil)
            case (.failure(let a), .failure(let b)):
                #expect(a == b)
            default:
                Issue.record("\(template) \(body) \(limits): \(streamed) vs \(written)")
            }
        }
    }

    /// Expectations written out by hand, independent of the render code.
    @Test("fixed answers and failures: bytes, limit over all messages together, contract and step errors")
    func fixedExpectations() throws {
        let compiled = try Self.namespace()
        let values: [String: TemplateValue] = ["who": "Bo", "items": ["x", "y"], "n": 7]
        let system = "Helping Bo \"quoted\"\n\ttabbed", user = "- x\n- y\n [part for Bo] 7"
        let hash = String(repeating: "ab", count: 32)
        let expected = #"{"template":"chat","version":3,"hash":""# + hash + #"","variant":"canary","messages":[{"role":"system","content":"Helping Bo \"quoted\"\n\ttabbed"},{"role":"user","content":"- x\n- y\n [part for Bo] 7"}]}"#
        func answer(_ limits: RenderLimits, _ values: [String: TemplateValue] = values, template: String = "chat") -> Result<String, RenderError> {
            RenderAnswer.render(compiled, template: template, values: MustacheObject(values), limits: limits, version: Self.version, variant: .canary)
                .map { String(decoding: $0.bytes, as: UTF8.self) }
        }
        #expect(try answer(.standard).get() == expected)
        // The byte limit counts both messages: exactly their sum passes, one byte less fails
        // on the second message although the first fits.
        let total = system.utf8.count + user.utf8.count
        #expect(try answer(RenderLimits(maximumBytes: total, maximumSteps: 1_000)).get() == expected)
        #expect(throws: RenderError.limit("the rendered prompt would be larger than \(total - 1) bytes")) {
            try answer(RenderLimits(maximumBytes: total - 1, maximumSteps: 1_000)).get()
        }
        #expect(throws: RenderError.limit("rendering takes more than 3 template steps (a section or partial multiplying its content?)")) {
            try answer(RenderLimits(maximumBytes: 1 << 20, maximumSteps: 3)).get()
        }
        guard case .failure(.contract(let undeclared)) = answer(.standard, ["who": "a", "zz": 1, "other": 1]) else {
            Issue.record("an undeclared input was accepted"); return
        }
        #expect(undeclared.violations.map(\.input) == ["other", "zz"])
        #expect(undeclared.violations.first?.message == "is not a declared input of this template (declared: items, n, who)")
        guard case .failure(.contract(let missing)) = answer(.standard, ["n": 1, "q": 2]) else {
            Issue.record("a missing input was accepted"); return
        }
        // Undeclared first, then the declared ones in name order.
        #expect(missing.violations.map(\.input) == ["q", "who"])
        #expect(throws: RenderError.noSuchTemplate(name: "missing", namespace: "t")) { try answer(.standard, template: "missing").get() }
    }

    @Test("a chat answer has its messages and a text answer its text")
    func shapes() throws {
        let compiled = try Self.namespace()
        let chat = try RenderAnswer.render(compiled, template: "chat", values: MustacheObject(["who": "Di", "items": ["a"]]), limits: .standard,
                                           version: Self.version, variant: .stable).get()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(chat.bytes)) as? [String: Any])
        let messages = try #require(object["messages"] as? [[String: String]])
        #expect(messages.map { $0["role"] } == ["system", "user"])
        #expect(messages[1]["content"] == "- a\n [part for Di] ")
        let text = try RenderAnswer.render(compiled, template: "plain", values: MustacheObject(["who": "Di"]), limits: .standard,
                                           version: Self.version, variant: .stable).get()
        let textObject = try #require(try JSONSerialization.jsonObject(with: Data(text.bytes)) as? [String: Any])
        #expect((textObject["text"] as? String)?.hasPrefix("Hi Di <&>") == true && textObject["messages"] == nil)
    }

    @Test("Content-Length digits without a String", arguments: [0, 7, 9, 10, 99, 100, 2612, 65_535, 1 << 40, Int.max])
    func decimal(value: Int) {
        var buffer = ByteBuffer()
        WireServingPath.writeDecimal(value, to: &buffer)
        #expect(String(buffer: buffer) == String(value))
    }
}
