import Foundation
import PromptOpsCore
@testable import PromptOpsServer
import Testing

@Suite("JSON in and out")
struct JSONCodingTests {
    @Test("request bodies parse into template values; integers stay integers")
    func parsesValues() throws {
        let value = try JSONInput.parse(Array(#" {"a": 1, "b": -2.5, "c": 1e2, "d": [true, false, null], "e": {"f": "x\ny\u00e9\ud83d\ude00"}} "#.utf8))
        #expect(value == .object([
            "a": .int(1), "b": .double(-2.5), "c": .double(100), "d": .array([.bool(true), .bool(false), .null]),
            "e": .object(["f": .string("x\ny\u{e9}\u{1F600}")]),
        ]))
        #expect(try JSONInput.parse(Array("12345678901234567890".utf8)) == .double(1.2345678901234567e19))
    }

    @Test("malformed JSON is refused with the offset",
          arguments: ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "\"\\x\"", "\"a", "tru", "{} x", "\"\u{01}\"", "\"\\ud800\"",
                      String(repeating: "[", count: 100) + String(repeating: "]", count: 100)])
    func refusesMalformed(text: String) {
        #expect(throws: JSONInput.Failure.self) { try JSONInput.parse(Array(text.utf8)) }
    }

    @Test("invalid UTF-8 inside a string is refused")
    func refusesInvalidUTF8() {
        #expect(throws: JSONInput.Failure.self) { try JSONInput.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("the writer escapes what JSON requires and places commas")
    func writes() {
        var json = JSONWriter()
        json.objectStart()
        json.member("s", "q\"b\\n\nt\t\u{01}é/")
        json.member("n", 3)
        json.key("a"); json.arrayStart(); json.double(0.5); json.double(.infinity); json.null(); json.bool(true); json.arrayEnd()
        json.key("raw"); json.raw(#"{"x":[1]}"#)
        json.member("none", nil as String?)
        json.objectEnd()
        #expect(String(decoding: json.bytes, as: UTF8.self)
            == #"{"s":"q\"b\\n\nt\t\u0001é/","n":3,"a":[0.5,null,null,true],"raw":{"x":[1]},"none":null}"#)
    }

    @Test("strings of every length and mix escape as a byte-by-byte reference does, and read back")
    func escapesLikeTheReference() throws {
        var random = SeededGenerator(seed: 8)
        // Bytes that need an escape, their neighbours, and text (ASCII, é, emoji).
        let pieces = ["\"", "\\", "\n", "\t", "\u{01}", "\u{1F}", " ", "!", "#", "[", "]", "\u{7F}", "a", "xyz", "é", "😀", "0123456789abcdef"]
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...40, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            var json = JSONWriter()
            json.string(text)
            var expected = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": expected += "\\\""
                case "\\": expected += "\\\\"
                case "\n": expected += "\\n"
                case "\r": expected += "\\r"
                case "\t": expected += "\\t"
                case let c where c.value < 0x20: expected += String(format: "\\u%04x", c.value)
                default: expected.unicodeScalars.append(scalar)
                }
            }
            expected += "\""
            #expect(String(decoding: json.bytes, as: UTF8.self) == expected, "\(text.debugDescription)")
            #expect(try JSONInput.parse(json.bytes) == .string(text))
        }
    }

    @Test("render bodies: key and variables, nothing else")
    func renderRequest() throws {
        let request = try RenderRequest(body: Array(#"{"key": "k", "variables": {"n": 2}}"#.utf8))
        #expect(request.key == "k")
        #expect(request.variables == ["n": .int(2)])
        let empty = try RenderRequest(body: Array("  ".utf8))
        #expect(empty.key == nil && empty.variables.isEmpty)
        #expect(throws: APIError.self) { try RenderRequest(body: Array(#"{"variables": {}, "other": 1}"#.utf8)) }
    }
}
