import Foundation
import Testing
@testable import PromptOpsCore

/// Hostile input: each case must end in a clear diagnostic, quickly, never a crash.
@Suite("Bad input never crashes")
struct RobustnessTests {
    func timed(_ body: () -> ManifestValidator.Result) -> (ManifestValidator.Result, Duration) {
        let clock = ContinuousClock()
        var result: ManifestValidator.Result!
        let elapsed = clock.measure { result = body() }
        return (result, elapsed)
    }

    @Test func nonUTF8BytesNameTheirPosition() {
        var bytes = Array("apiVersion: promptops.dev/v1alpha1\nkind: Pro".utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array("mptTemplate\n".utf8)
        let set = ManifestLoader().load([ManifestFile(path: "bin.yaml", bytes: bytes)])
        #expect(set.diagnostics.map(\.description) == ["bin.yaml:2:10: error: file is not valid UTF-8 (invalid byte sequence here); save it as UTF-8"])
    }

    @Test func tenMegabyteFileIsRefusedBySize() {
        let big = [UInt8](repeating: 0x61, count: 10 * 1024 * 1024)
        let (result, elapsed) = timed { ManifestValidator().validate(ManifestLoader().load([ManifestFile(path: "big.yaml", bytes: big)])) }
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics[0].message.contains("larger than 1048576 bytes"))
        #expect(elapsed < .seconds(5))
    }

    /// Deep documents by shape; the text is built inside so test output stays short.
    static let deepShapes: [String: String] = [
        "flow sequences": String(repeating: "[", count: 100_000),
        "flow mappings": String(repeating: "{a: ", count: 50_000),
        "compact block sequences": String(repeating: "- ", count: 100_000) + "x",
    ]

    @Test(arguments: ["flow sequences", "flow mappings", "compact block sequences"])
    func deepNestingIsBounded(_ shape: String) {
        let text = Self.deepShapes[shape]!
        let (result, elapsed) = timed { validate(["deep.yaml": text]) }
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics[0].message.contains("nesting is deeper than 64 levels"))
        #expect(elapsed < .seconds(5))
    }

    @Test func moderatelyDeepBlockNestingIsStillReportedNotCrashed() {
        var text = ""
        for depth in 0..<80 { text += String(repeating: " ", count: depth) + "k\(depth):\n" }
        text += String(repeating: " ", count: 80) + "v"
        let (result, _) = timed { validate(["deep.yaml": text]) }
        #expect(result.diagnostics.contains { $0.message.contains("deeper than 64 levels") })
    }

    @Test func billionLaughsStopsAtTheNodeLimit() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let (result, elapsed) = timed { validate(["lol.yaml": text]) }
        #expect(result.diagnostics.count == 1)
        #expect(result.diagnostics[0].message.contains("alias bomb"))
        #expect(elapsed < .seconds(10))
    }

    @Test(arguments: ["\"{{name\"", "\"{{#a}}open\"", "\"{{/b}}\"", "\"{{=<% %>=}} <%x\"", "\"{{}}\""])
    func unclosedTagsAreTemplateErrors(_ text: String) {
        let result = validate(["t.yaml": textTemplate("t", text: text, inputs: "{name: {type: string}, a: {type: string}, x: {type: string}}")])
        #expect(result.hasErrors)
        #expect(result.diagnostics.allSatisfy { $0.location.line == 6 && $0.message.contains("template syntax error") })
    }

    @Test func emptyAndNonMappingDocuments() {
        let out = validate(["e.yaml": "---\n---\n- a list\n", "empty.yaml": ""]).diagnostics.map(\.description)
        #expect(out == ["e.yaml:3:1: error: a manifest must be a mapping with apiVersion, kind, metadata and spec"])
    }

    @Test func randomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("{}[]:-?&*!|>'\"#%@`\n \t,abc123".utf8) + [0xC3, 0xA9, 0xFF]
        for _ in 0..<500 {
            let length = Int.random(in: 0..<300, using: &generator)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
            _ = ManifestValidator().validate(ManifestLoader().load([ManifestFile(path: "r.yaml", bytes: bytes)]))
        }
    }
}
