import NIOCore
import Testing
@testable import PromptOpsCore
@testable import PromptOpsServer

/// The event loop renders from the request body read into a ``JSONTape`` (no value tree).
/// What the tape accepts it must read as the full reader (``JSONInput``) does, and a render
/// from it must answer the bytes a render from the tree answers.
@Suite("Render from a JSON tape")
struct RenderTapeTests {
    /// Random JSON texts, valid and not, with the shapes the tape refuses (non-ASCII, escaped
    /// and repeated names, huge numbers, deep nesting) mixed in: whatever the tape accepts,
    /// the full reader accepts as the same value.
    @Test func tapeReadsWhatTheFullReaderReads() {
        var random = SeededGenerator(seed: 0x7A9E_5EED)
        var accepted = 0, refusedValid = 0, invalid = 0
        for _ in 0..<40_000 {
            var text: [UInt8] = Array(Self.document(depth: 0, &random).utf8)
            if random.next() % 10 == 0, !text.isEmpty { text.removeLast(Int(random.next() % UInt64(text.count)) + 1) }
            if random.next() % 20 == 0 { text.insert(Self.oddBytes[Int(random.next() % 6)], at: Int(random.next() % UInt64(text.count + 1))) }
            let full = try? JSONInput.parse(text)
            if let tape = JSONTape.read(text) {
                accepted += 1
                #expect(full == tape.value(tape.root), "\(String(decoding: text, as: UTF8.self))")
                if full != tape.value(tape.root) { return }
            } else if full != nil {
                refusedValid += 1
            } else {
                invalid += 1
            }
        }
        #expect(accepted > 5_000 && refusedValid > 500 && invalid > 1_000, "accepted \(accepted), refused \(refusedValid), invalid \(invalid)")
    }

    /// What the tape refuses, though it is JSON, and what it reads.
    @Test func subset() throws {
        #expect(JSONTape.read(Array(#"{"a": 1, "a": 2}"#.utf8)) == nil)
        #expect(JSONTape.read(Array("1e400".utf8)) == nil)
        #expect(JSONTape.read(Array((String(repeating: "[", count: 64) + String(repeating: "]", count: 64)).utf8)) != nil)
        #expect(JSONTape.read(Array((String(repeating: "[", count: 65) + String(repeating: "]", count: 65)).utf8)) == nil)
        for refused in [#"{"é": 1}"#, #"{"a\"b": 1}"#,
                        "{" + (0...32).map { "\"k\($0)\": \($0)" }.joined(separator: ",") + "}"] {
            #expect(try JSONInput.parse(Array(refused.utf8)) != .null)
            #expect(JSONTape.read(Array(refused.utf8)) == nil, "\(refused.prefix(40))")
        }
        let document = #" {"s": "a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude42 é", "i": -9223372036854775808, "big": 9223372036854775808, "d": -2.5e-3, "e": [], "o": {}, "n": null, "t": [true, false]} "#
        let tape = try #require(JSONTape.read(Array(document.utf8)))
        #expect(tape.value(tape.root) == (try JSONInput.parse(Array(document.utf8))))
        #expect(tape.string(try #require(tape.member(tape.root, "s"))) == "a\"\\/\u{8}\u{c}\n\r\té🙂 é")
        #expect(tape.kind(try #require(tape.member(tape.root, "big"))) == .double)
    }

    /// Render bodies of every shape the tape reads (defaults, nulls, escapes, non-ASCII
    /// values, integer keys, both variants) and some it refuses: the event loop answers each
    /// with the bytes the value tree renders; the tape answers all of the plain ones.
    @Test func answersMatchTheTree() async throws {
        let server = TestServer(try await ServingFastPathTests.canaryStore())
        try server.snapshot.refresh()
        let fromTape = TestServer.Counter()
        var answers = FastAnswers(snapshot: server.snapshot, access: AccessControl(), metrics: ServerMetrics(),
                                  maxBodyBytes: 1 << 20, renderLimits: .standard)
        answers.renderedFromTape = { fromTape.increment() }
        let ticket = #""customer_name":"Ana","ticket":"where is my order?""#
        // (deployment, body, read from the tape)
        var cases: [(String, String, Bool)] = [
            ("tagline-web", #"{"variables":{"campaign":"spring"}}"#, true),
            ("tagline-web", #"{"variables":{"campaign":"<b>&\"x","playful":true}}"#, true),
            ("tagline-web", #"{"variables":{"campaign":"s","playful":null}}"#, true),
            ("tagline-web", #"{"key":null,"variables":{"campaign":"\u00e9t\u00e9 \ud83c\udf1e","playful":false}}"#, true),
            ("support-reply-prod", #"{"key":"a","variables":{\#(ticket)}}"#, true),
            ("support-reply-prod", #"{"key":17,"variables":{\#(ticket),"tone":"formal","order_count":3}}"#, true),
            ("support-reply-prod", #"{"key":"b","variables":{\#(ticket),"tone":null,"order_count":null}}"#, true),
            ("support-reply-prod", #"{"key":"c","variables":{"customer_name":"Zoë 🙂","ticket":"línea\nzwei\t\"drei\"","order_count":2.0}}"#, true),
            // Refused by the tape, read into the tree.
            ("tagline-web", #"{"variables":{"campaign":"s","playful":true,"playful":false}}"#, false),
            ("support-reply-prod", #"{"key":"a","variables":{"customer_n\u0061me":"Ana","ticket":"t"}}"#, false),
            ("tagline-web", "  ", false),
        ]
        for i in 0..<20 { cases.append(("support-reply-prod", #"{"key":"k\#(i)","variables":{\#(ticket),"order_count":\#(i)}}"#, true)) }
        var tapeCount = 0
        for (deployment, body, tape) in cases {
            let bytes = Array(body.utf8)
            guard case .render(let call)? = answers.route(method: .post, target: Array("\(ServingFastPathTests.base)/\(deployment)/render".utf8),
                                                          authorization: nil, contentType: "application/json", contentLength: bytes.count)
            else { Issue.record("not routed: \(deployment)"); continue }
            let before = fromTape.value
            let answer = answers.render(call, body: ByteBuffer(bytes: bytes))
            #expect((fromTape.value == before + 1) == tape, "\(body)")
            if tape { tapeCount += 1 }
            // The tree's answer, as the router and the event loop rendered before the tape.
            guard let request = try? RenderRequest(body: bytes) else {
                #expect(answer == nil, "\(body)")
                continue
            }
            let (version, variant, _) = call.entry.serving(key: request.key)
            let compiled = try #require(server.snapshot.compiled.cached(namespace: call.entry.namespace, template: call.entry.template, hash: version.hash))
            let tree = RenderAnswer.render(compiled, template: call.entry.template, values: request.variables, limits: answers.loopRenderLimits,
                                           version: version, variant: variant)
            guard case .success(let expected) = tree else {
                #expect(answer == nil, "\(body)")
                continue
            }
            #expect(answer.map { String(decoding: $0, as: UTF8.self) } == String(decoding: expected.bytes, as: UTF8.self), "\(body)")
        }
        #expect(fromTape.value == tapeCount)
        // Values the contract refuses: no answer here (the router answers 422 with the reasons).
        for body in [#"{"variables":{"campaign":7}}"#, #"{"variables":{}}"#, #"{"variables":{"campaign":"s","other":1}}"#,
                     #"{"variables":{"customer_name":"a name far longer than twenty","ticket":"t"}}"#] {
            let bytes = Array(body.utf8)
            let target = body.contains("ticket") ? "support-reply-prod" : "tagline-web"
            guard case .render(let call)? = answers.route(method: .post, target: Array("\(ServingFastPathTests.base)/\(target)/render".utf8),
                                                          authorization: nil, contentType: "application/json", contentLength: bytes.count)
            else { Issue.record("not routed"); continue }
            #expect(answers.render(call, body: ByteBuffer(bytes: bytes)) == nil, "\(body)")
        }
    }

    static let oddBytes: [UInt8] = [0xFF, 0xC3, 0x01, UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: ",")]

    static func pick(_ options: [String], _ random: inout SeededGenerator) -> String {
        options[Int(random.next() % UInt64(options.count))]
    }

    static func space(_ random: inout SeededGenerator) -> String {
        random.next() % 4 == 0 ? pick([" ", "\n", "\t ", "\r\n  "], &random) : ""
    }

    static func document(depth: Int, _ random: inout SeededGenerator) -> String {
        let value: String
        switch random.next() % (depth < 4 ? 9 : 6) {
        case 0: value = pick(["true", "false", "null", "tru", "nul"], &random)
        case 1, 2: value = pick(["0", "-0", "12", "1.5", "1e3", "-2.5E-2", "01", "9223372036854775807", "9223372036854775808",
                                 "-9223372036854775808", "-9223372036854775809", "1e400", "1.", ".5", "-", "2.0", "1E+2"], &random)
        case 3, 4, 5:
            var text = "\""
            for _ in 0..<Int(random.next() % 4) {
                text += pick(["plain", " ", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude42", "\\ud800", "\\udc00x", "\\x",
                              "é", "🙂", "\\u12", "\\t", "<&>", "\r\n", "\\r\\n"], &random)
            }
            value = text + "\""
        case 6:
            value = "[" + (0..<Int(random.next() % 4)).map { _ in space(&random) + document(depth: depth + 1, &random) + space(&random) }
                .joined(separator: ",") + "]"
        default:
            var names = ["a", "b", "key", "variables", "", "é", "a\\\"b", "a\\u0062"]
            if random.next() % 8 == 0 { names += ["a", "a"] }
            let members = (0..<Int(random.next() % 5)).map { _ in
                space(&random) + "\"" + pick(names, &random) + "\"" + space(&random) + ":" + space(&random) + document(depth: depth + 1, &random)
            }
            value = "{" + members.joined(separator: ",") + space(&random) + "}"
        }
        return depth == 0 ? space(&random) + value + space(&random) : value
    }
}
