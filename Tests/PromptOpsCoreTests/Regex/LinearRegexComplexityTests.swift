import Testing
@testable import PromptOpsCore

/// A pattern that takes exponential time in a backtracking engine, with the
/// text that triggers it.
struct LinearRegexPathologicalCase: Sendable, CustomTestStringConvertible {
    let pattern: String
    let text: String
    let expected: Range<Int>?

    init(_ pattern: String, repeating character: Character, count: Int, suffix: String = "", expected: Range<Int>?) {
        self.pattern = pattern
        self.text = String(repeating: character, count: count) + suffix
        self.expected = expected
    }

    var testDescription: String { "\(pattern) on \(text.count) scalars" }
}

let linearRegexPathologicalCases: [LinearRegexPathologicalCase] = [
    // Against 10 000 "a"s `(a+)+$` simply matches everything; a trailing "!"
    // is what makes a backtracker explore 2^n splits before failing.
    LinearRegexPathologicalCase("(a+)+$", repeating: "a", count: 10_000, expected: 0..<10_000),
    LinearRegexPathologicalCase("(a+)+$", repeating: "a", count: 10_000, suffix: "!", expected: nil),
    LinearRegexPathologicalCase("(a*)*b", repeating: "a", count: 10_000, expected: nil),
    LinearRegexPathologicalCase("(a|a)*c", repeating: "a", count: 10_000, expected: nil),
    LinearRegexPathologicalCase("(x+x+)+y", repeating: "x", count: 10_000, expected: nil),
    LinearRegexPathologicalCase("(a|aa)+$", repeating: "a", count: 10_000, suffix: "b", expected: nil),
    LinearRegexPathologicalCase("(\\w+\\s?)+$", repeating: "a", count: 10_000, suffix: "!", expected: nil),
    LinearRegexPathologicalCase("(?:a?){30}a{30}", repeating: "a", count: 29, expected: nil),
    LinearRegexPathologicalCase("(.*a){12}", repeating: "a", count: 10_000, suffix: "b", expected: 0..<10_000),
]

@Suite("Linear time and budgets")
struct LinearRegexComplexityTests {
    /// The step bound constant: per position each state is visited once, and
    /// each visit pushes at most two successors, plus one step per thread.
    static let stepsPerPositionAndInstruction = 4

    @Test(arguments: linearRegexPathologicalCases)
    func pathologicalPatternsRunInLinearSteps(_ row: LinearRegexPathologicalCase) throws {
        let regex = try LinearRegex(row.pattern)
        let clock = ContinuousClock()
        var result: (range: Range<String.Index>?, steps: Int)?
        let elapsed = try clock.measure { result = try regex.firstMatchCountingSteps(in: row.text) }
        let (range, steps) = try #require(result)
        #expect(linearRegexScalarOffsets(range, in: row.text) == row.expected)
        let length = row.text.unicodeScalars.count
        let bound = LinearRegexComplexityTests.stepsPerPositionAndInstruction * (length + 1) * regex.programSize
        #expect(steps <= bound)
        let ratio = Double(steps) / Double((length + 1) * regex.programSize)
        print("\(row.pattern): n=\(length) program=\(regex.programSize) steps=\(steps) "
            + "steps/(n·program)=\(ratio) time=\(elapsed)")
    }

    @Test func stepsGrowLinearlyWithText() throws {
        let regex = try LinearRegex("(a*)*b")
        let small = try regex.firstMatchCountingSteps(in: String(repeating: "a", count: 1000)).steps
        let large = try regex.firstMatchCountingSteps(in: String(repeating: "a", count: 8000)).steps
        #expect(Double(large) / Double(small) < 8.2)
    }

    @Test func budgetExceededThrows() throws {
        let regex = try LinearRegex("(a|a)*c")
        let text = String(repeating: "a", count: 10_000)
        #expect(throws: LinearRegexBudgetExceeded(budget: 1000)) { try regex.firstMatch(in: text, budget: 1000) }
        #expect(throws: LinearRegexBudgetExceeded(budget: 1000)) { try regex.matches(text, budget: 1000) }
        // The budget is exact: the steps a search uses suffice, one fewer does not.
        let steps = try regex.firstMatchCountingSteps(in: text).steps
        #expect(try regex.firstMatch(in: text, budget: steps) == nil)
        #expect(throws: LinearRegexBudgetExceeded(budget: steps - 1)) {
            try regex.firstMatch(in: text, budget: steps - 1)
        }
        #expect(throws: LinearRegexBudgetExceeded(budget: 0)) { try regex.matches("a", budget: 0) }
    }

    /// About 1 MiB of prose with decoys, and the secret at the very end.
    static func mebibyteText(secret: String) -> String {
        let filler = "The quick brown fox jumps over the lazy dog; sk-short is no key, nor is SK_1. 0123456789\n"
        var text = ""
        text.reserveCapacity((1 << 20) + filler.utf8.count + secret.utf8.count)
        while text.utf8.count < 1 << 20 { text += filler }
        return text + secret + " end"
    }

    @Test func mebibyteTextWithTypicalPatterns() throws {
        let secret = "sk-Ab3dE5gH7jK9mN1pQ3sT5v"
        let text = LinearRegexComplexityTests.mebibyteText(secret: secret)
        let clock = ContinuousClock()
        let patterns = ["sk-[A-Za-z0-9]{20,}", "(?i)SK-[a-z0-9]{20,}", "\\bsk-\\w{20,}"]
        for pattern in patterns {
            let regex = try LinearRegex(pattern)
            var range: Range<String.Index>?
            let elapsed = try clock.measure { range = try regex.firstMatch(in: text) }
            let found = try #require(range)
            #expect(String(text.unicodeScalars[found]) == secret)
            print("1 MiB, \(pattern): \(elapsed) (debug build)")
        }
        // No first-scalar shortcut applies to `\w+@`, so this runs the VM at every position.
        let email = try LinearRegex("\\w+@example\\.com")
        var found = true
        let elapsed = try clock.measure { found = try email.matches(text) }
        #expect(found == false)
        print("1 MiB, \\w+@example\\.com (no match): \(elapsed) (debug build)")
    }

    @Test func longUnicodeTextKeepsIndicesValid() throws {
        let text = String(repeating: "grüße 日本 e\u{301} 😀 ", count: 20_000) + "token=abc123"
        let regex = try LinearRegex("token=(\\w+)")
        let range = try #require(try regex.firstMatch(in: text))
        #expect(String(text.unicodeScalars[range]) == "token=abc123")
        #expect(text[range.lowerBound...].hasPrefix("token="))
    }
}
