import Testing
@testable import PromptOpsCore

/// Compacted templates keep their canonical spec deflated; it must come back byte for byte.
@Suite("Deflated text")
struct DeflatedTextTests {
    /// Texts of every kind come back equal: empty, short, non-ASCII, escaped, long, random.
    @Test func everyTextComesBack() {
        var generator = SystemRandomNumberGenerator()
        var texts = ["", "a", "{}", "héllo — 👋 {{name}}", String(repeating: "{\"type\":\"string\"}", count: 5_000)]
        for length in [1, 17, 300, 5_000, 70_000] {
            // Random bytes do not deflate: kept as they are.
            texts.append(String(decoding: (0..<length).map { _ in UInt8.random(in: 0x20...0x7E, using: &generator) }, as: UTF8.self))
        }
        for text in texts {
            #expect(DeflatedText(text).text == text, "length \(text.utf8.count)")
        }
    }

    /// The bundled examples' specs come back equal and are kept in fewer bytes.
    @Test func specsOfTheExamplesShrink() throws {
        let files = try ManifestFileCollector.collect([packageRoot.appendingPathComponent("examples").path])
        let set = ManifestLoader().load(files)
        var plain = 0, kept = 0
        for template in set.templates.values {
            let spec = template.origin.specJSON
            let deflated = DeflatedText(spec)
            #expect(deflated.text == spec)
            plain += spec.utf8.count
            kept += deflated.storedByteCount
        }
        #expect(set.templates.count >= 5)
        #expect(kept * 2 < plain, "kept \(kept) of \(plain) bytes")
    }

    /// A compacted template reads its spec back as it was given.
    @Test func aCompactedTemplateKeepsItsSpec() throws {
        let files = try ManifestFileCollector.collect([packageRoot.appendingPathComponent("examples").path])
        for template in ManifestLoader().load(files).templates.values {
            #expect(CompactTemplate(template).specJSON == template.origin.specJSON)
        }
    }
}
