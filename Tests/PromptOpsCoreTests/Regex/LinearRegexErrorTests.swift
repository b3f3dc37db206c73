import Testing
@testable import PromptOpsCore

/// A pattern that must be refused with `message` at `offset`.
struct LinearRegexRefusalCase: Sendable, CustomTestStringConvertible {
    let pattern: String
    let offset: Int
    let message: String

    init(_ pattern: String, _ offset: Int, _ message: String) {
        self.pattern = pattern
        self.offset = offset
        self.message = message
    }

    var testDescription: String { pattern.debugDescription }
}

private let linear = " (patterns run on a linear-time engine)"
private let backreference = "backreferences are not supported" + linear
private let lookahead = "lookahead assertions are not supported" + linear
private let lookbehind = "lookbehind assertions are not supported" + linear
private let recursion = "recursion and subroutine calls are not supported" + linear
private let possessive = "possessive quantifiers are not supported" + linear
private let property = "Unicode property escapes \\p{…} and \\P{…} are not supported"

let linearRegexBacktrackingRefusals: [LinearRegexRefusalCase] = [
    LinearRegexRefusalCase("(a)\\1", 3, backreference),
    LinearRegexRefusalCase("(a)[\\1]", 4, backreference),
    LinearRegexRefusalCase("(?<n>a)\\k<n>", 7, backreference),
    LinearRegexRefusalCase("\\g1", 0, backreference),
    LinearRegexRefusalCase("(?P=n)", 0, backreference),
    LinearRegexRefusalCase("a(?=b)", 1, lookahead),
    LinearRegexRefusalCase("a(?!b)", 1, lookahead),
    LinearRegexRefusalCase("(?<=a)b", 0, lookbehind),
    LinearRegexRefusalCase("x(?<!a)b", 1, lookbehind),
    LinearRegexRefusalCase("(?>a+)b", 0, "atomic groups are not supported" + linear),
    LinearRegexRefusalCase("a*+", 1, possessive),
    LinearRegexRefusalCase("ba++", 2, possessive),
    LinearRegexRefusalCase("a?+", 1, possessive),
    LinearRegexRefusalCase("a{2}+", 1, possessive),
    LinearRegexRefusalCase("a{2,5}+", 1, possessive),
    LinearRegexRefusalCase("(?(1)a|b)", 0, "conditional groups are not supported" + linear),
    LinearRegexRefusalCase("a(?R)", 1, recursion),
    LinearRegexRefusalCase("(?1)", 0, recursion),
    LinearRegexRefusalCase("(?-1)", 0, recursion),
    LinearRegexRefusalCase("(?+1)", 0, recursion),
    LinearRegexRefusalCase("(?&name)", 0, recursion),
    LinearRegexRefusalCase("(?P>name)", 0, recursion),
    LinearRegexRefusalCase("(?|a|b)", 0, "branch reset groups (?| are not supported"),
    LinearRegexRefusalCase("\\p{L}", 0, property),
    LinearRegexRefusalCase("x\\P{Lu}", 1, property),
    LinearRegexRefusalCase("[\\p{L}]", 1, property),
]

let linearRegexSyntaxRefusals: [LinearRegexRefusalCase] = [
    LinearRegexRefusalCase("\\q", 0, "unknown escape \\q"),
    LinearRegexRefusalCase("ab\\y", 2, "unknown escape \\y"),
    LinearRegexRefusalCase("\\G", 0, "escape \\G is not supported"),
    LinearRegexRefusalCase("\\Qa.b\\E", 0, "escape \\Q is not supported"),
    LinearRegexRefusalCase("\\cA", 0, "escape \\c is not supported"),
    LinearRegexRefusalCase("(ab", 0, "missing closing parenthesis"),
    LinearRegexRefusalCase("a(b(c)", 1, "missing closing parenthesis"),
    LinearRegexRefusalCase("(?i:a", 0, "missing closing parenthesis"),
    LinearRegexRefusalCase("(?#comment", 0, "missing closing parenthesis"),
    LinearRegexRefusalCase("(?", 0, "missing closing parenthesis"),
    LinearRegexRefusalCase("ab)", 2, "unmatched closing parenthesis"),
    LinearRegexRefusalCase(")", 0, "unmatched closing parenthesis"),
    LinearRegexRefusalCase("*a", 0, "nothing to repeat"),
    LinearRegexRefusalCase("a**", 2, "nothing to repeat"),
    LinearRegexRefusalCase("a*??", 3, "nothing to repeat"),
    LinearRegexRefusalCase("a{2}{3}", 4, "nothing to repeat"),
    LinearRegexRefusalCase("a|*", 2, "nothing to repeat"),
    LinearRegexRefusalCase("(*)", 1, "nothing to repeat"),
    LinearRegexRefusalCase("(?i)*", 4, "nothing to repeat"),
    LinearRegexRefusalCase("{2}", 0, "nothing to repeat"),
    LinearRegexRefusalCase("^*", 1, "an anchor or assertion cannot be repeated"),
    LinearRegexRefusalCase("a\\b+", 3, "an anchor or assertion cannot be repeated"),
    LinearRegexRefusalCase("a{3,2}", 1, "repetition {n,m} has n greater than m"),
    LinearRegexRefusalCase("a{1001}", 1, "repetition count is larger than 1000"),
    LinearRegexRefusalCase("a{0,1001}", 1, "repetition count is larger than 1000"),
    LinearRegexRefusalCase("a{99999999999999999999}", 1, "repetition count is larger than 1000"),
    LinearRegexRefusalCase("[abc", 0, "missing closing ] for character class"),
    LinearRegexRefusalCase("x[a\\]", 1, "missing closing ] for character class"),
    LinearRegexRefusalCase("[]a]", 1, "empty character class; write \\] for a literal ]"),
    LinearRegexRefusalCase("[^]a]", 2, "empty character class; write \\] for a literal ]"),
    LinearRegexRefusalCase("[z-a]", 1, "character class range is out of order"),
    LinearRegexRefusalCase("[\\d-z]", 1, "a class escape like \\d cannot be a range endpoint"),
    LinearRegexRefusalCase("[a-\\w]", 3, "a class escape like \\d cannot be a range endpoint"),
    LinearRegexRefusalCase("[a[b]]", 2, "nested character classes are not supported; write \\[ for a literal ["),
    LinearRegexRefusalCase("[a&&b]", 2, "character class set operations (&&) are not supported"),
    LinearRegexRefusalCase("[\\B]", 1, "escape \\B is not allowed inside a character class"),
    LinearRegexRefusalCase("[[:foo:]]", 1, "unknown POSIX class [:foo:]"),
    LinearRegexRefusalCase("[e\u{301}]", 1, "character class members must be single Unicode scalars"),
    LinearRegexRefusalCase("a\\", 1, "pattern ends with a lone backslash"),
    LinearRegexRefusalCase("\\x{110000}", 0, "escape is not a valid Unicode scalar value"),
    LinearRegexRefusalCase("\\u{D800}", 0, "escape is not a valid Unicode scalar value"),
    LinearRegexRefusalCase("\\xZ", 0, "invalid hexadecimal escape"),
    LinearRegexRefusalCase("\\x{}", 0, "invalid hexadecimal escape"),
    LinearRegexRefusalCase("\\x{123456789}", 0, "invalid hexadecimal escape"),
    LinearRegexRefusalCase("\\u12", 0, "invalid hexadecimal escape"),
    LinearRegexRefusalCase("(?U)a", 2, "unsupported inline flag 'U' (supported: i, m, s, x)"),
    LinearRegexRefusalCase("(?i-s-m)a", 5, "unsupported inline flag '-' (supported: i, m, s, x)"),
    LinearRegexRefusalCase("(?<1a>x)", 3, "invalid group name"),
    LinearRegexRefusalCase("(?<a-b>x)", 3, "invalid group name"),
    LinearRegexRefusalCase("(?P<>x)", 4, "invalid group name"),
    // Offsets count Characters: "é" (two scalars) and "😀" are one each.
    LinearRegexRefusalCase("e\u{301}😀(?=x)", 2, lookahead),
]

@Suite("Refused patterns")
struct LinearRegexErrorTests {
    @Test(arguments: linearRegexBacktrackingRefusals + linearRegexSyntaxRefusals)
    func refusedWithOffsetAndMessage(_ row: LinearRegexRefusalCase) {
        #expect(throws: LinearRegexError(offset: row.offset, message: row.message)) {
            _ = try LinearRegex(row.pattern)
        }
    }

    @Test func descriptionShowsOffset() {
        let error = LinearRegexError(offset: 3, message: backreference)
        #expect(error.description == "offset 3: " + backreference)
    }

    @Test func nestingIsCappedAt200Groups() throws {
        let allowed = String(repeating: "(", count: 200) + "a" + String(repeating: ")*", count: 200)
        #expect(try LinearRegex(allowed).matches("aaa"))
        let tooDeep = String(repeating: "(?:", count: 201) + "a" + String(repeating: ")", count: 201)
        #expect(throws: LinearRegexError(offset: 600, message: "groups are nested more than 200 levels deep")) {
            _ = try LinearRegex(tooDeep)
        }
        // A hostile pattern of nothing but "(" fails quickly instead of recursing.
        #expect(throws: LinearRegexError.self) { _ = try LinearRegex(String(repeating: "(", count: 100_000)) }
    }

    @Test func programSizeIsLimited() throws {
        #expect(throws: LinearRegexError(
            offset: 1, message: "pattern too large: it compiles to more than 500 instructions")) {
            _ = try LinearRegex("a{1000}", maximumProgramSize: 500)
        }
        // The outermost quantifier being expanded is reported.
        do {
            _ = try LinearRegex("x(?:a{1000}){1000}")
            Issue.record("expected a size error")
        } catch {
            #expect(error.offset == 12)
            #expect(error.message.hasPrefix("pattern too large"))
        }
        // Expansion stops at the limit, so even absurd nesting fails fast.
        #expect(throws: LinearRegexError.self) {
            _ = try LinearRegex("((((a{1000}){1000}){1000}){1000})")
        }
        // Empty bodies are folded away rather than expanded.
        #expect(try LinearRegex("(?:(?:(?:){1000}){1000}){1000}a").programSize == 2)
        #expect(throws: LinearRegexError.self) { _ = try LinearRegex(String(repeating: "a", count: 20_001)) }
        #expect(try LinearRegex(String(repeating: "a", count: 19_999)).programSize == 20_000)
    }

    @Test func emptyPatternIsAllowed() throws {
        let regex = try LinearRegex("")
        #expect(linearRegexScalarOffsets(try regex.firstMatch(in: "xyz"), in: "xyz") == 0..<0)
    }
}
