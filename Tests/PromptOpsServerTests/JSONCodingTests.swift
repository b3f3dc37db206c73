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
        // Integers read without a String: the edges of Int, one past them (a double), and -0.
        for (text, value) in [("9223372036854775807", TemplateValue.int(Int.max)), ("-9223372036854775808", .int(Int.min)),
                              ("9223372036854775808", .double(9.223372036854775808e18)),
                              ("-9223372036854775809", .double(-9.223372036854775809e18)),
                              ("18446744073709551615", .double(1.8446744073709551615e19)),
                              ("18446744073709551616", .double(1.8446744073709551616e19)),
                              ("-0", .int(0)), ("0", .int(0)), ("-7", .int(-7)), ("-0.0", .double(-0.0))] {
            #expect(try JSONInput.parse(Array(text.utf8)) == value, "\(text)")
        }
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
        #expect(request.variables == MustacheObject(["n": .int(2)]))
        let empty = try RenderRequest(body: Array("  ".utf8))
        #expect(empty.key == nil && empty.variables.isEmpty)
        #expect(throws: APIError.self) { try RenderRequest(body: Array(#"{"variables": {}, "other": 1}"#.utf8)) }
    }
}

@Suite("JSON request bodies: nested values, member order, duplicate keys")
struct JSONInputContainerTests {
    /// A random value: nested objects and arrays of every small size.
    static func randomValue(_ rng: inout SystemRandomNumberGenerator, depth: Int) -> TemplateValue {
        switch Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &rng) {
        case 0: return .int(Int.random(in: -1000...1000, using: &rng))
        case 1: return .string(String((0..<Int.random(in: 0...20, using: &rng)).map { _ in "ab\"\\é😀\n x".randomElement(using: &rng)! }))
        case 2: return [.null, .bool(true), .bool(false)].randomElement(using: &rng)!
        case 3: return .double(Double(Int.random(in: -100...100, using: &rng)) + 0.5)
        case 4:
            var members: [String: TemplateValue] = [:]
            // Some objects past MustacheObject.indexedFrom members, which are kept with a hash index.
            let count = Int.random(in: 0...(Bool.random(using: &rng) ? 7 : 24), using: &rng)
            for i in 0..<count { members["k\(i)\(Int.random(in: 0...9, using: &rng))"] = randomValue(&rng, depth: depth + 1) }
            return .object(members)
        default:
            return .array((0..<Int.random(in: 0...7, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        }
    }

    static func write(_ value: TemplateValue, into json: inout JSONWriter) {
        switch value {
        case .null: json.null()
        case .bool(let b): json.bool(b)
        case .int(let i): json.int(i)
        case .double(let d): json.double(d)
        case .string(let s): json.string(s)
        case .array(let items):
            json.arrayStart()
            for item in items { write(item, into: &json) }
            json.arrayEnd()
        case .object(let members):
            json.objectStart()
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                json.key(key)
                write(member, into: &json)
            }
            json.objectEnd()
        }
    }

    @Test("2,000 random nested values read back as written")
    func roundTrip() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let value = Self.randomValue(&rng, depth: 0)
            var json = JSONWriter()
            Self.write(value, into: &json)
            #expect(try JSONInput.parse(json.bytes) == value, "\(String(decoding: json.bytes, as: UTF8.self))")
        }
    }

    @Test("a duplicate key is refused at its own offset, also deep inside, also after other members")
    func duplicates() {
        for (text, offset) in [(#"{"a":1,"b":2,"a":3}"#, 13), (#"[{"x":{"y":1,"z":[{"q":1,"q":2}]}}]"#, 25), (#"{"a":{"a":1},"a":2}"#, 13)] {
            #expect(throws: JSONInput.Failure(offset: offset, message: "duplicate key '\(text.contains("q") ? "q" : "a")'")) {
                try JSONInput.parse(Array(text.utf8))
            }
        }
        // Reported when the object ends: a syntax error further inside it comes first.
        #expect(throws: JSONInput.Failure(offset: 13, message: "expected a member name in quotes")) {
            try JSONInput.parse(Array(#"{"a":1,"a":2,"#.utf8))
        }
        #expect(throws: JSONInput.Failure(offset: 24, message: "duplicate key 'c'")) {
            try JSONInput.parse(Array(#"{"a":1,"a":2,"b":{"c":1,"c":2}}"#.utf8))
        }
        // Also in an object large enough to be checked through a hash set (20 members before it).
        let large = "{" + (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k3\":1}"
        #expect(throws: JSONInput.Failure(offset: 161, message: "duplicate key 'k3'")) { try JSONInput.parse(Array(large.utf8)) }
        // A repeat as exactly the 17th member (the set of names is built at that member), and
        // one whose first use is past the 16th too.
        let seventeenth = "{" + (0..<16).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k3\":1}"
        #expect(throws: JSONInput.Failure(offset: 125, message: "duplicate key 'k3'")) { try JSONInput.parse(Array(seventeenth.utf8)) }
        let late = "{" + (0..<20).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k18\":1}"
        #expect(throws: JSONInput.Failure(offset: 161, message: "duplicate key 'k18'")) { try JSONInput.parse(Array(late.utf8)) }
        // Names are compared as Swift compares strings (canonical equivalence): "café" composed
        // and decomposed are one name, in a small object and in a large one.
        #expect(throws: JSONInput.Failure(offset: 11, message: "duplicate key 'cafe\u{301}'")) {
            try JSONInput.parse(Array("{\"caf\u{E9}\":1,\"cafe\u{301}\":2}".utf8))
        }
        let largeAccents = "{" + (0..<16).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"caf\u{E9}\":1,\"cafe\u{301}\":2}"
        #expect(throws: JSONInput.Failure(offset: 135, message: "duplicate key 'cafe\u{301}'")) { try JSONInput.parse(Array(largeAccents.utf8)) }
        // Same key in sibling objects is fine.
        #expect((try? JSONInput.parse(Array(#"[{"a":1},{"a":2}]"#.utf8))) == .array([.object(["a": .int(1)]), .object(["a": .int(2)])]))
    }

    @Test("members keep the body's order, small and large objects")
    func memberOrder() throws {
        for count in [3, 15, 16, 40] {
            let names = (0..<count).map { "m\((count - $0) * 7 % 101)" }
            let text = "{" + names.enumerated().map { "\"\($0.element)\":\($0.offset)" }.joined(separator: ",") + "}"
            guard case .object(let members) = try JSONInput.parse(Array(text.utf8)) else { Issue.record("not an object"); continue }
            #expect(Array(members.keys) == names)
            #expect(members[names[count - 1]] == .int(count - 1) && members["absent"] == nil)
        }
    }

    @Test("an unknown member of a render body is named: the first in name order")
    func unknownMember() {
        #expect(throws: APIError.badRequest("invalid_body", "unknown member 'b' in the request body (expected: key, variables)")) {
            try RenderRequest(body: Array(#"{"variables": {}, "z": 1, "b": 2}"#.utf8))
        }
    }
}
