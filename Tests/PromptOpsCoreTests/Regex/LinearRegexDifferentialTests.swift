import Testing
@testable import PromptOpsCore

/// Random small patterns from a grammar over {a, b, c}, classes, groups,
/// alternation, anchors and quantifiers (greedy, lazy, counted).
struct LinearRegexPatternGenerator {
    var random: LinearRegexSeededGenerator
    /// Chance, out of 10, that an atom gets a quantifier.
    var quantifierTenths = 4
    /// Atoms to draw literals from.
    var letters = ["a", "b", "c"]
    /// Deepest group nesting generated.
    var maximumDepth = 3

    mutating func pick(_ count: Int) -> Int { Int.random(in: 0..<count, using: &random) }

    mutating func pick(_ choices: [String]) -> String { choices[pick(choices.count)] }

    mutating func alternation(depth: Int) -> String {
        var branches = [sequence(depth: depth)]
        while branches.count < 3 && pick(4) == 0 { branches.append(sequence(depth: depth)) }
        return branches.joined(separator: "|")
    }

    mutating func sequence(depth: Int) -> String {
        let count = [0, 1, 1, 2, 2, 2, 3, 3, 4][pick(9)]
        if count == 0 { return "" }
        var items = ""
        for _ in 0..<count { items += quantified(depth: depth) }
        return items
    }

    mutating func quantified(depth: Int) -> String {
        if pick(12) == 0 { return pick(["^", "$", "\\b", "\\B"]) }
        let base = atom(depth: depth)
        guard pick(10) < quantifierTenths else { return base }
        var quantifier = pick(["*", "+", "?", "{2}", "{0,2}", "{1,}", "{1,3}", "{,2}", "{0}", "{2,}"])
        if pick(3) == 0 { quantifier += "?" }
        return base + quantifier
    }

    mutating func atom(depth: Int) -> String {
        switch pick(depth < maximumDepth ? 15 : 11) {
        case 0...5:
            return pick(letters)
        case 6:
            return "."
        case 7...10:
            return pick(["[ab]", "[^a]", "[a-c]", "[^bc ]", "\\w", "\\W", "\\s", "[a\\s]", "\\S", "[b-c]", "\\d"])
        case 11, 12:
            return "(" + alternation(depth: depth + 1) + ")"
        default:
            return "(?:" + alternation(depth: depth + 1) + ")"
        }
    }

    mutating func text(alphabet: [Character], maximumLength: Int) -> String {
        String((0..<pick(maximumLength + 1)).map { _ in alphabet[pick(alphabet.count)] })
    }
}

@Suite("Differential against Swift Regex")
struct LinearRegexDifferentialTests {
    /// Runs `patternCount` random patterns on `textsPerPattern` random texts and
    /// compares match presence, start and end with Swift `Regex` (with simple
    /// word boundaries, the PCRE meaning of `\b`; its default is UAX #29).
    func compare(
        seed: UInt64, patternCount: Int, prefixes: [String], alphabet: [Character],
        quantifierTenths: Int = 4, letters: [String] = ["a", "b", "c"], maximumDepth: Int = 3,
        maximumTextLength: Int = 10
    ) throws -> (comparisons: Int, mismatches: [String]) {
        var generator = LinearRegexPatternGenerator(
            random: LinearRegexSeededGenerator(seed: seed), quantifierTenths: quantifierTenths, letters: letters,
            maximumDepth: maximumDepth)
        var mismatches: [String] = []
        var comparisons = 0
        for _ in 0..<patternCount {
            let pattern = generator.pick(prefixes) + generator.alternation(depth: 0)
            let ours = try LinearRegex(pattern)
            let theirs: Regex<AnyRegexOutput>
            do {
                theirs = try Regex(pattern).wordBoundaryKind(.simple)
            } catch {
                mismatches.append("Swift Regex refused \(pattern.debugDescription): \(error)")
                continue
            }
            for _ in 0..<8 {
                let text = generator.text(alphabet: alphabet, maximumLength: maximumTextLength)
                let expected = linearRegexScalarOffsets(text.firstMatch(of: theirs)?.range, in: text)
                let actual = linearRegexScalarOffsets(try ours.firstMatch(in: text), in: text)
                comparisons += 1
                let matched = try ours.matches(text)
                if actual != expected || matched != (expected != nil) {
                    mismatches.append(
                        "\(pattern.debugDescription) on \(text.debugDescription): "
                            + "ours \(String(describing: actual)), Swift \(String(describing: expected))")
                }
            }
        }
        return (comparisons, mismatches)
    }

    @Test func randomPatternsAgreeWithSwiftRegex() throws {
        let (comparisons, mismatches) = try compare(
            seed: 0x5EED_1234, patternCount: 3000, prefixes: ["", "", "", "", "", "", "", "(?i)"],
            alphabet: ["a", "b", "c", "A", " "])
        #expect(comparisons == 24_000)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(15))")
    }

    @Test func randomMultilinePatternsAgreeWithSwiftRegex() throws {
        let (comparisons, mismatches) = try compare(
            seed: 0xC0FF_EE00, patternCount: 1000, prefixes: ["(?m)", "(?ms)"],
            alphabet: ["a", "b", "\n", " "])
        #expect(comparisons == 8000)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(15))")
    }

    /// Quantifier-heavy patterns over two letters, where loops over groups that
    /// can match empty are common: this is where a plain Pike VM's ends differ
    /// from Perl's, and what the loop-state tracking in the VM is for. Texts
    /// and nesting are kept small because Swift Regex backtracks exponentially
    /// on exactly these patterns.
    @Test func emptyIterationHeavyPatternsAgreeWithSwiftRegex() throws {
        let (comparisons, mismatches) = try compare(
            seed: 0xE3D7_7001, patternCount: 4000, prefixes: [""], alphabet: ["a", "b"],
            quantifierTenths: 8, letters: ["a", "b"], maximumDepth: 2, maximumTextLength: 6)
        #expect(comparisons == 32_000)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(15))")
    }
}
