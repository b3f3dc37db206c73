/// Recursive-descent parser from pattern text to `LinearRegexNode`.
///
/// It works on the pattern's `Character`s so that error offsets are the ones an
/// editor shows. Recursion happens only per group level, and group nesting is
/// capped, so a hostile pattern cannot exhaust the stack.
struct LinearRegexParser {
    /// Deepest allowed group nesting.
    static let maximumGroupDepth = 200
    /// Largest count allowed in `{n,m}`.
    static let maximumRepetitionCount = 1000

    /// The pattern, one element per offset.
    let characters: [Character]
    /// Offset of the next unread character.
    var position = 0
    /// Inline flags in force at `position`.
    var flags = LinearRegexFlags()
    /// Number of groups currently open.
    var groupDepth = 0

    init(_ pattern: String) {
        characters = Array(pattern)
    }

    /// Parses the whole pattern.
    mutating func parse() throws(LinearRegexError) -> LinearRegexNode {
        let node = try parseAlternation()
        // parseAlternation stops only at the end or at a ")" that closes nothing.
        if position < characters.count {
            throw error(at: position, LinearRegexMessage.unmatchedClose)
        }
        return node
    }

    // MARK: - Helpers

    /// The character at `position`, or nil at the end.
    var current: Character? { character(at: position) }

    /// The character at `offset`, or nil past the end.
    func character(at offset: Int) -> Character? {
        offset < characters.count ? characters[offset] : nil
    }

    /// A located error.
    func error(at offset: Int, _ message: String) -> LinearRegexError {
        LinearRegexError(offset: offset, message: message)
    }

    /// Under `(?x)`, skips whitespace and `#` comments between tokens.
    mutating func skipExtendedWhitespace() {
        guard flags.extended else { return }
        while let next = current {
            if next.isWhitespace {
                position += 1
            } else if next == "#" {
                while let commented = current, !commented.isNewline { position += 1 }
            } else {
                return
            }
        }
    }

    // MARK: - Alternation, sequence, quantifiers

    /// `sequence ('|' sequence)*`, stopping before ")" or at the end.
    mutating func parseAlternation() throws(LinearRegexError) -> LinearRegexNode {
        var branches = [try parseSequence()]
        while current == "|" {
            position += 1
            branches.append(try parseSequence())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    /// Quantified atoms up to "|", ")" or the end.
    mutating func parseSequence() throws(LinearRegexError) -> LinearRegexNode {
        var items: [LinearRegexNode] = []
        while true {
            skipExtendedWhitespace()
            guard let next = current, next != "|", next != ")" else { break }
            let atomStart = position
            // nil: a flag setting like (?i) or a comment, which has nothing to repeat.
            guard let atom = try parseAtom() else { continue }
            items.append(try parseQuantifier(after: atom, atomStart: atomStart))
        }
        return .sequence(items)
    }

    /// One atom, or nil for constructs that match nothing and cannot be repeated.
    mutating func parseAtom() throws(LinearRegexError) -> LinearRegexNode? {
        let start = position
        let next = characters[position]
        switch next {
        case "(":
            return try parseGroup()
        case "[":
            return try parseBracketClass()
        case "\\":
            return try parseEscape()
        case ".":
            position += 1
            return .anyScalar(dotAll: flags.dotAll)
        case "^":
            position += 1
            return .assertion(flags.multiline ? .lineStart : .textStart)
        case "$":
            position += 1
            return .assertion(flags.multiline ? .lineEnd : .textEndOrBeforeFinalNewline)
        case "*", "+", "?":
            throw error(at: start, LinearRegexMessage.nothingToRepeat)
        case "{" where quantifierToken(at: start) != nil:
            throw error(at: start, LinearRegexMessage.nothingToRepeat)
        default:
            // Includes "{" that does not form a quantifier, and "]" / "}".
            position += 1
            return literal(next)
        }
    }

    /// A literal `Character`; one with several scalars (e.g. "e" + combining
    /// accent) becomes a sequence, so a quantifier repeats all of it.
    func literal(_ character: Character) -> LinearRegexNode {
        .sequence(character.unicodeScalars.map { .scalar($0, caseInsensitive: flags.caseInsensitive) })
    }

    /// A quantifier token at `offset`: `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` or
    /// `{,m}`, as (min, max, offset after the token). Counts are capped while
    /// reading so that huge digit strings cannot overflow. A `{` that does not
    /// form one of these is a literal, as in PCRE.
    func quantifierToken(at offset: Int) -> (min: Int, max: Int?, end: Int)? {
        switch character(at: offset) {
        case "*": return (0, nil, offset + 1)
        case "+": return (1, nil, offset + 1)
        case "?": return (0, 1, offset + 1)
        case "{": break
        default: return nil
        }
        var index = offset + 1
        func readNumber() -> Int? {
            var value: Int?
            while let digit = character(at: index)?.wholeNumberValue, character(at: index)!.isASCII {
                value = Swift.min((value ?? 0) * 10 + digit, 1_000_000)
                index += 1
            }
            return value
        }
        let low = readNumber()
        if character(at: index) == "}" {
            guard let low else { return nil }
            return (low, low, index + 1)
        }
        guard character(at: index) == "," else { return nil }
        index += 1
        let high = readNumber()
        guard character(at: index) == "}", low != nil || high != nil else { return nil }
        return (low ?? 0, high, index + 1)
    }

    /// Applies a following quantifier (and its lazy marker) to `atom`, if any.
    mutating func parseQuantifier(
        after atom: LinearRegexNode, atomStart: Int
    ) throws(LinearRegexError) -> LinearRegexNode {
        skipExtendedWhitespace()
        let start = position
        guard let token = quantifierToken(at: start) else { return atom }
        if case .assertion = atom, characters[atomStart] != "(" {
            throw error(at: start, LinearRegexMessage.notQuantifiable)
        }
        let limit = LinearRegexParser.maximumRepetitionCount
        if token.min > limit || (token.max ?? 0) > limit {
            throw error(at: start, LinearRegexMessage.countTooLarge)
        }
        if let max = token.max, token.min > max {
            throw error(at: start, LinearRegexMessage.rangeOrder)
        }
        position = token.end
        var greedy = true
        if current == "?" {
            greedy = false
            position += 1
        } else if current == "+" {
            throw error(at: start, LinearRegexMessage.possessive)
        }
        skipExtendedWhitespace()
        if quantifierToken(at: position) != nil {
            throw error(at: position, LinearRegexMessage.nothingToRepeat)
        }
        return .repeated(atom, min: token.min, max: token.max, greedy: greedy, offset: start)
    }
}
