import Testing
@testable import PromptOpsCore

/// One table row: `pattern` searched in `text` should match at `expected`
/// (scalar offsets), or not at all.
struct LinearRegexMatchCase: Sendable, CustomTestStringConvertible {
    let pattern: String
    let text: String
    let expected: Range<Int>?

    init(_ pattern: String, _ text: String, _ expected: Range<Int>?) {
        self.pattern = pattern
        self.text = text
        self.expected = expected
    }

    var testDescription: String { "\(pattern.debugDescription) in \(text.debugDescription)" }
}

let linearRegexBasicCases: [LinearRegexMatchCase] = [
    LinearRegexMatchCase("", "", 0..<0),
    LinearRegexMatchCase("", "abc", 0..<0),
    LinearRegexMatchCase("abc", "xabcx", 1..<4),
    LinearRegexMatchCase("abc", "abx", nil),
    LinearRegexMatchCase("a.c", "abc", 0..<3),
    LinearRegexMatchCase("a.c", "a\nc", nil),
    LinearRegexMatchCase("a.c", "a\rc", nil),
    LinearRegexMatchCase("(?s)a.c", "a\nc", 0..<3),
    LinearRegexMatchCase("a\\Nc", "a\nc", nil),
    LinearRegexMatchCase("a|b", "cb", 1..<2),
    LinearRegexMatchCase("ab|a", "ab", 0..<2),
    LinearRegexMatchCase("a|ab", "ab", 0..<1),
    LinearRegexMatchCase("a|bc", "xbca", 1..<3),
    LinearRegexMatchCase("b+", "abbbc", 1..<4),
    LinearRegexMatchCase("😀+", "a😀😀b", 1..<3),
    LinearRegexMatchCase("café", "un café", 3..<7),
    LinearRegexMatchCase("e\u{301}+", "e\u{301}e\u{301}x", 0..<4),
]

let linearRegexQuantifierCases: [LinearRegexMatchCase] = [
    LinearRegexMatchCase("a*", "aaa", 0..<3),
    LinearRegexMatchCase("a*?", "aaa", 0..<0),
    LinearRegexMatchCase("a+?", "aaa", 0..<1),
    LinearRegexMatchCase("a??b", "ab", 0..<2),
    LinearRegexMatchCase("a{2}", "aaa", 0..<2),
    LinearRegexMatchCase("a{2,}", "aaaa", 0..<4),
    LinearRegexMatchCase("a{2,}?", "aaaa", 0..<2),
    LinearRegexMatchCase("a{1,2}", "aaa", 0..<2),
    LinearRegexMatchCase("a{1,2}?", "aaa", 0..<1),
    LinearRegexMatchCase("a{,2}", "aaa", 0..<2),
    LinearRegexMatchCase("a{0}b", "ab", 1..<2),
    LinearRegexMatchCase("(?:ab){2,3}", "abababab", 0..<6),
    LinearRegexMatchCase("x{", "x{", 0..<2),
    LinearRegexMatchCase("a{1", "a{1", 0..<3),
    LinearRegexMatchCase("a{,}", "a{,}", 0..<4),
    LinearRegexMatchCase("<.+>", "<a><b>", 0..<6),
    LinearRegexMatchCase("<.+?>", "<a><b>", 0..<3),
    LinearRegexMatchCase("(a+?)(b)", "aab", 0..<3),
    LinearRegexMatchCase("(a|b)*?c", "abc", 0..<3),
    // A loop iteration that matches empty ends the loop (Perl/PCRE/Swift Regex).
    LinearRegexMatchCase("(|a)*", "aa", 0..<0),
    LinearRegexMatchCase("(a|)*", "aa", 0..<2),
    LinearRegexMatchCase("(a*|b)*", "ab", 0..<1),
    LinearRegexMatchCase("(?:a|b*)*", "ab", 0..<2),
    LinearRegexMatchCase("(a*)+b", "aab", 0..<3),
    LinearRegexMatchCase("(?:a*?)*", "aa", 0..<0),
    LinearRegexMatchCase("(|a){2,}", "aa", 0..<0),
]

let linearRegexClassCases: [LinearRegexMatchCase] = [
    LinearRegexMatchCase("[abc]+", "xxbcay", 2..<5),
    LinearRegexMatchCase("[^a-z0-9_]", "ab_9Z", 4..<5),
    LinearRegexMatchCase("[\\d\\s.-]+", "x1 .-2y", 1..<6),
    LinearRegexMatchCase("[a-]", "-", 0..<1),
    LinearRegexMatchCase("[-a]", "-", 0..<1),
    LinearRegexMatchCase("[\\]]", "]", 0..<1),
    LinearRegexMatchCase("[\\b]", "\u{08}", 0..<1),
    LinearRegexMatchCase("[[:digit:]]+", "ab12", 2..<4),
    LinearRegexMatchCase("[[:^alpha:]]", "ab1", 2..<3),
    LinearRegexMatchCase("[^\\W\\d]+", "1ab2", 1..<3),
    LinearRegexMatchCase("\\d+", "ab123c", 2..<5),
    LinearRegexMatchCase("\\D", "12a", 2..<3),
    LinearRegexMatchCase("\\w+", "  foo_1 ", 2..<7),
    LinearRegexMatchCase("\\W", "ab!", 2..<3),
    LinearRegexMatchCase("\\s+", "a \t\nb", 1..<4),
    LinearRegexMatchCase("\\S+", "  ab ", 2..<4),
    LinearRegexMatchCase("\\d", "\u{663}", 0..<1),
    LinearRegexMatchCase("\\w", "é", 0..<1),
    LinearRegexMatchCase("\\s", "\u{A0}", 0..<1),
    LinearRegexMatchCase("\\h", "a\tb", 1..<2),
    LinearRegexMatchCase("\\H", "\t b", 2..<3),
    LinearRegexMatchCase("\\v", "a\u{0B}", 1..<2),
    LinearRegexMatchCase("[α-ω]+", "abγδε", 2..<5),
]

let linearRegexEscapeCases: [LinearRegexMatchCase] = [
    LinearRegexMatchCase("\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$\\/\\-\\\\", ".*+?()[]{}|^$/-\\", 0..<16),
    LinearRegexMatchCase("\\n\\t\\r\\f\\0", "\n\t\r\u{0C}\u{0}", 0..<5),
    LinearRegexMatchCase("\\x41\\x{42}\\u{43}\\u0044\\x9", "ABCD\t", 0..<5),
    LinearRegexMatchCase("\\x{1F600}", "x😀", 1..<2),
    LinearRegexMatchCase("\\012", "\n", 0..<1),
    LinearRegexMatchCase("\\e\\a", "\u{1B}\u{07}", 0..<2),
    LinearRegexMatchCase("\\#\\ \\:", "# :", 0..<3),
]

let linearRegexAnchorCases: [LinearRegexMatchCase] = [
    LinearRegexMatchCase("^abc", "abc", 0..<3),
    LinearRegexMatchCase("^abc", "xabc", nil),
    LinearRegexMatchCase("abc$", "abc\n", 0..<3),
    LinearRegexMatchCase("abc$", "abc\r\n", 0..<3),
    LinearRegexMatchCase("abc$", "abc\nx", nil),
    LinearRegexMatchCase("abc\\z", "abc\n", nil),
    LinearRegexMatchCase("abc\\Z", "abc\n", 0..<3),
    LinearRegexMatchCase("\\Aabc", "xabc", nil),
    LinearRegexMatchCase("^", "abc", 0..<0),
    LinearRegexMatchCase("$", "abc", 3..<3),
    LinearRegexMatchCase("$", "abc\n", 3..<3),
    LinearRegexMatchCase("(?m)^b", "a\nb", 2..<3),
    LinearRegexMatchCase("(?m)a$", "a\nb", 0..<1),
    LinearRegexMatchCase("(?m)^b$", "a\r\nb\r\n", 3..<4),
    LinearRegexMatchCase("(?m)^$", "a\r\nb", nil),
    LinearRegexMatchCase("(?m)^$", "a\n\nb", 2..<2),
    LinearRegexMatchCase("(?m)^b", "a\u{2028}b", 2..<3),
    LinearRegexMatchCase("\\bfoo\\b", "a foo b", 2..<5),
    LinearRegexMatchCase("\\bfoo\\b", "afoo", nil),
    LinearRegexMatchCase("\\Boo", "foo", 1..<3),
    LinearRegexMatchCase("\\b", "", nil),
    LinearRegexMatchCase("\\B", "", 0..<0),
    LinearRegexMatchCase("\\b", " a", 1..<1),
    // Skipping ahead to a possible first scalar must forget states visited
    // at the position it skipped from (here the failed \B after " ").
    LinearRegexMatchCase("(?:x?|\\s)\\Ba", " Aa", 2..<3),
    LinearRegexMatchCase("(?:|\\s)\\Ba", " Aa", 2..<3),
]

let linearRegexGroupAndFlagCases: [LinearRegexMatchCase] = [
    LinearRegexMatchCase("(?:ab)+", "ababx", 0..<4),
    LinearRegexMatchCase("(?<year>\\d{4})-(?P<m>\\d\\d)", "on 2024-05!", 3..<10),
    LinearRegexMatchCase("(?'n'a)", "a", 0..<1),
    LinearRegexMatchCase("(?#comment)a", "ba", 1..<2),
    LinearRegexMatchCase("()*a", "a", 0..<1),
    LinearRegexMatchCase("(?)a", "a", 0..<1),
    LinearRegexMatchCase("a(?i)b", "aB", 0..<2),
    LinearRegexMatchCase("a(?i:b)c", "aBc", 0..<3),
    LinearRegexMatchCase("a(?i:b)c", "aBC", nil),
    LinearRegexMatchCase("(a(?i)b)c", "aBC", nil),
    LinearRegexMatchCase("(?i)HELLO", "say hello", 4..<9),
    LinearRegexMatchCase("(?i)[a-c]+", "xABCd", 1..<4),
    LinearRegexMatchCase("(?i)[A-C]+", "xabcd", 1..<4),
    LinearRegexMatchCase("(?i)[^a]", "A", nil),
    LinearRegexMatchCase("(?i)k", "\u{212A}", 0..<1),
    LinearRegexMatchCase("(?i)straße", "STRAẞE", 0..<6),
    LinearRegexMatchCase("(?i)é", "É", 0..<1),
    LinearRegexMatchCase("(?i-i)a", "A", nil),
    LinearRegexMatchCase("(?i)a(?-i)b", "AB", nil),
    LinearRegexMatchCase("(?x) a b # comment\n c", "abc", 0..<3),
    LinearRegexMatchCase("(?x)a\\ b", "a b", 0..<3),
    LinearRegexMatchCase("(?x)[ ]", " ", 0..<1),
    LinearRegexMatchCase("(?x)a +", "aa", 0..<2),
    LinearRegexMatchCase("(?sm)^a.b$", "x\na\nb", 2..<5),
]

@Suite("Match tables")
struct LinearRegexMatchTests {
    @Test(arguments: linearRegexBasicCases + linearRegexQuantifierCases)
    func basicsAndQuantifiers(_ row: LinearRegexMatchCase) throws {
        try check(row)
    }

    @Test(arguments: linearRegexClassCases + linearRegexEscapeCases)
    func classesAndEscapes(_ row: LinearRegexMatchCase) throws {
        try check(row)
    }

    @Test(arguments: linearRegexAnchorCases + linearRegexGroupAndFlagCases)
    func anchorsGroupsAndFlags(_ row: LinearRegexMatchCase) throws {
        try check(row)
    }

    /// Checks the range from `firstMatch` and agreement of `matches`.
    func check(_ row: LinearRegexMatchCase) throws {
        let regex = try LinearRegex(row.pattern)
        let range = try regex.firstMatch(in: row.text)
        #expect(linearRegexScalarOffsets(range, in: row.text) == row.expected)
        #expect(try regex.matches(row.text) == (row.expected != nil))
        if let range {
            // Returned indices must be usable on the original string.
            #expect(row.text.unicodeScalars[range].count == row.expected?.count)
        }
    }

    @Test func equalityAndHashingUsePattern() throws {
        let first = try LinearRegex("a+b")
        let second = try LinearRegex("a+b", maximumProgramSize: 100)
        #expect(first == second)
        #expect(Set([first, second, try LinearRegex("c")]).count == 2)
        #expect(first.pattern == "a+b")
        #expect(first.programSize > 0)
    }

    @Test func regexIsUsableAcrossTasks() async throws {
        let regex = try LinearRegex("\\d+")
        let results = await withTaskGroup(of: Bool.self) { group in
            for value in 0..<8 {
                group.addTask { (try? regex.matches("item \(value)")) ?? false }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 8))
    }
}
