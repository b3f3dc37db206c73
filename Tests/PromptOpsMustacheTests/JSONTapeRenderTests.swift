import Foundation
import Testing
@testable import PromptOpsMustache

/// A render from a JSON tape (the server's render path) writes what a render from the value
/// tree of the same document writes.
@Suite("Rendering from a JSON tape")
struct JSONTapeRenderTests {
    /// The official spec (all but ~lambdas), each case's data sent as JSON text and read into
    /// a tape: every case renders its expected output, as the tree does.
    @Test("official spec through a tape", .enabled(if: MustacheSpecDirectory.exists, "mustache spec directory not found; set MUSTACHE_SPEC_DIR"))
    func officialSpecThroughATape() throws {
        var passed = 0
        var cases = 0
        for file in MustacheSpecDirectory.files {
            let url = MustacheSpecDirectory.url.appendingPathComponent("\(file).json")
            let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            for test in root["tests"] as! [[String: Any]] {
                cases += 1
                let data = test["data"] ?? NSNull()
                let text = try JSONSerialization.data(withJSONObject: data, options: [.fragmentsAllowed, .sortedKeys])
                guard let tape = JSONTape.read(Array(text)) else {
                    Issue.record("\(file) \(test["name"]!): the tape refused \(String(decoding: text, as: UTF8.self))")
                    continue
                }
                #expect(tape.value(tape.root) == MustacheValue(json: data), "\(file) \(test["name"]!)")
                var library = MustacheLibrary(escaping: .html)
                for (name, source) in test["partials"] as? [String: String] ?? [:] {
                    library.register(try MustacheTemplate(source), named: name)
                }
                let template = try MustacheTemplate(test["template"] as! String)
                let rendered = library.renderBounded(template, tape: tape, context: tape.root) { String(decoding: $0, as: UTF8.self) }
                if case .success(test["expected"] as! String) = rendered {
                    passed += 1
                } else {
                    Issue.record("\(file) \(test["name"]!): \(rendered)")
                }
            }
        }
        #expect(cases == 184)
        #expect(passed == cases)
    }

    /// Random templates over random data: the tape and the tree render the same bytes, and
    /// stop at the same limits (steps are charged alike).
    @Test func randomTemplatesRenderAlike() throws {
        var random = SplitMix64(seed: 0x7A9E)
        var rendered = 0, stopped = 0
        let partial = try MustacheTemplate("[{{a}}|{{#b}}{{.}}{{/b}}|{{c.d}}]")
        for _ in 0..<4_000 {
            let data = Self.object(depth: 0, &random)
            var source = ""
            for _ in 0..<Int(random.next() % 8) + 1 { source += Self.tag(&random) }
            guard let template = try? MustacheTemplate(source) else { continue }
            var library = MustacheLibrary(templates: ["p": partial], escaping: random.next() % 2 == 0 ? .html : .none)
            library.maximumRenderSteps = Int(random.next() % 60) + 5
            let tree = library.renderBounded(template, data) { Array($0) }
            let tape = JSONTape(data)
            let fromTape = library.renderBounded(template, tape: tape, context: tape.root) { Array($0) }
            #expect(tree == fromTape, "\(source) \(data)")
            if case .success = tree { rendered += 1 } else { stopped += 1 }
        }
        #expect(rendered > 1_000 && stopped > 100, "rendered \(rendered), stopped \(stopped)")
    }

    /// A non-ASCII name in a template finds a member whose name is canonically equivalent,
    /// as in the tree (U+212A KELVIN SIGN is "K"); one that is not equivalent does not.
    @Test func namesCompareAsStrings() throws {
        let tape = try #require(JSONTape.read(Array(#"{"K": "kelvin", "plain": "p"}"#.utf8)))
        let library = MustacheLibrary()
        func render(_ source: String) throws -> String {
            let result = library.renderBounded(try MustacheTemplate(source), tape: tape, context: tape.root) { String(decoding: $0, as: UTF8.self) }
            return try result.get()
        }
        #expect(try render("{{\u{212A}}}|{{plain}}|{{Plain}}") == "kelvin|p|")
        #expect(try render("{{K}}{{k}}") == "kelvin")
        // The other way round: a name given to the tape (a contract's default, an object of
        // a default value) that is not ASCII is found by an ASCII tag it is equivalent to.
        var given = try #require(JSONTape.read(Array(#"{"plain": "p"}"#.utf8)))
        given.setMembers(of: given.root, adding: [(name: "\u{212A}", value: "x"), (name: "cfg", value: ["\u{212A}": 1])]) { _ in false }
        let rendered = library.renderBounded(try MustacheTemplate("{{K}}|{{#cfg}}{{K}}{{/cfg}}|{{plain}}"), tape: given, context: given.root) {
            String(decoding: $0, as: UTF8.self)
        }
        #expect(try rendered.get() == "x|1|p")
        let tree = library.render(try MustacheTemplate("{{K}}|{{#cfg}}{{K}}{{/cfg}}|{{plain}}"), given.value(given.root))
        #expect(tree == "x|1|p")
    }

    static func tag(_ random: inout SplitMix64) -> String {
        let names = ["a", "b", "c", "c.d", "c.e", "x", ".", "b.0"]
        let name = names[Int(random.next() % UInt64(names.count))]
        switch random.next() % 9 {
        case 0: return "{{\(name)}}"
        case 1: return "{{{\(name)}}}"
        case 2: return "{{#\(name)}}<{{\(names[Int(random.next() % 5)])}}>{{/\(name)}}"
        case 3: return "{{^\(name)}}none{{/\(name)}}"
        case 4: return "{{> p}}"
        case 5: return "{{#b}}{{#c}}{{d}}{{a}}{{/c}}{{/b}}"
        case 6: return "{{>*a}}"
        case 7: return " text & <more> \n"
        default: return "{{#c}}{{> p}}{{/c}}"
        }
    }

    static func object(depth: Int, _ random: inout SplitMix64) -> MustacheValue {
        var members: [(String, MustacheValue)] = []
        for name in ["a", "b", "c", "d", "e"] where random.next() % 3 != 0 {
            members.append((name, value(depth: depth + 1, &random)))
        }
        return .object(MustacheObject(members))
    }

    static func value(depth: Int, _ random: inout SplitMix64) -> MustacheValue {
        switch random.next() % (depth < 3 ? 10 : 7) {
        case 0: return .null
        case 1: return .bool(random.next() % 2 == 0)
        case 2: return .int(Int(truncatingIfNeeded: random.next() % 2000) - 1000)
        case 3: return [.double(1.5), .double(2.0), .double(-0.25), .double(1e300)][Int(random.next() % 4)]
        case 4: return ["", "p", "a&b", "<i>\"q\"'", "héllo", "🙂"][Int(random.next() % 6)]
        case 5: return "p"
        case 6: return .string(String(repeating: "x", count: Int(random.next() % 40)))
        case 7, 8: return .array((0..<Int(random.next() % 4)).map { _ in value(depth: depth + 1, &random) })
        default: return object(depth: depth, &random)
        }
    }
}
