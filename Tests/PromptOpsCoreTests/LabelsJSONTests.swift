import Foundation
import PromptOpsCore
import Testing

/// Labels as the store keeps them read back exactly: the store's own reader against
/// Foundation's JSONDecoder on random labels (quotes, backslashes, control characters,
/// non-ASCII), and malformed text refused.
@Suite("Labels JSON round trip")
struct LabelsJSONTests {
    @Test func randomLabelsReadBackAsFoundationReadsThem() throws {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("ab-_.Z09\"\\/\n\t\u{01}\u{1F}é€😀 ")
        for _ in 0..<2_000 {
            var labels: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                let key = String((0..<Int.random(in: 1...8, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
                labels[key] = String((0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            }
            let text = DesiredObject.labelsJSON(labels)
            #expect(DesiredObject.labels(fromJSON: text) == labels, "\(text)")
            #expect(try JSONDecoder().decode([String: String].self, from: Data(text.utf8)) == labels)
        }
    }

    @Test(arguments: ["", "[]", "{\"a\":1}", "{\"a\":\"b\",\"a\":\"c\"}", "{\"a\":\"b\"", "{\"a\":null}", "{\"a\":\"b\"} x"])
    func malformedTextIsRefused(_ text: String) {
        #expect(DesiredObject.labels(fromJSON: text) == nil)
    }
}
