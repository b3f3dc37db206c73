/// A pattern that `LinearRegex` refuses to compile, located in the pattern.
///
/// Patterns come from hostile input (policy manifests in git), so every refusal
/// carries the offset of the offending construct so that the author can fix it
/// without guessing.
public struct LinearRegexError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 0-based offset in the pattern, counted in `Character`s, of the construct
    /// that was refused (for an unclosed group or class: its opening bracket).
    public var offset: Int
    /// Human-readable reason, e.g. "backreferences are not supported (patterns
    /// run on a linear-time engine)".
    public var message: String

    /// Creates an error at `offset` (in `Character`s) with `message`.
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    /// "offset N: message", the form shown to manifest authors.
    public var description: String { "offset \(offset): \(message)" }
}

/// Thrown when a match needs more virtual-machine steps than the caller allowed.
///
/// Matching is linear in the text, but the constant (program size) can still be
/// large, so callers bound the work per evaluation instead of trusting the pattern.
public struct LinearRegexBudgetExceeded: Error, Sendable, Equatable {
    /// The step budget that was exhausted.
    public var budget: Int

    /// Creates the error for an exhausted `budget`.
    public init(budget: Int) {
        self.budget = budget
    }
}

/// The refusal messages, kept in one place so tests and docs quote the same text.
enum LinearRegexMessage {
    /// Suffix explaining why constructs that need backtracking are refused.
    static let linearSuffix = " (patterns run on a linear-time engine)"

    static let backreference = "backreferences are not supported" + linearSuffix
    static let lookahead = "lookahead assertions are not supported" + linearSuffix
    static let lookbehind = "lookbehind assertions are not supported" + linearSuffix
    static let atomicGroup = "atomic groups are not supported" + linearSuffix
    static let possessive = "possessive quantifiers are not supported" + linearSuffix
    static let conditional = "conditional groups are not supported" + linearSuffix
    static let recursion = "recursion and subroutine calls are not supported" + linearSuffix
    static let branchReset = "branch reset groups (?| are not supported"
    static let unicodeProperty = "Unicode property escapes \\p{…} and \\P{…} are not supported"
    static let unmatchedClose = "unmatched closing parenthesis"
    static let missingClose = "missing closing parenthesis"
    static let missingBracket = "missing closing ] for character class"
    static let emptyClass = "empty character class; write \\] for a literal ]"
    static let nestedClass = "nested character classes are not supported; write \\[ for a literal ["
    static let classSetOperation = "character class set operations (&&) are not supported"
    static let nothingToRepeat = "nothing to repeat"
    static let notQuantifiable = "an anchor or assertion cannot be repeated"
    static let rangeOrder = "repetition {n,m} has n greater than m"
    static let countTooLarge = "repetition count is larger than 1000"
    static let trailingBackslash = "pattern ends with a lone backslash"
    static let invalidHex = "invalid hexadecimal escape"
    static let invalidScalar = "escape is not a valid Unicode scalar value"
    static let multiScalarClassMember = "character class members must be single Unicode scalars"
    static let classRangeOrder = "character class range is out of order"
    static let classRangeEndpoint = "a class escape like \\d cannot be a range endpoint"
    static let invalidGroupName = "invalid group name"
    static let tooDeep = "groups are nested more than 200 levels deep"
    static let patternTooLarge = "pattern too large"

    static func unknownEscape(_ character: Character) -> String {
        "unknown escape \\\(character)"
    }

    static func unsupportedEscape(_ character: Character) -> String {
        "escape \\\(character) is not supported"
    }

    static func unsupportedFlag(_ character: Character) -> String {
        "unsupported inline flag '\(character)' (supported: i, m, s, x)"
    }

    static func unsupportedGroup(_ text: String) -> String {
        "unsupported group syntax \(text)"
    }

    static func unsupportedInClass(_ character: Character) -> String {
        "escape \\\(character) is not allowed inside a character class"
    }

    static func unknownPOSIXClass(_ name: String) -> String {
        "unknown POSIX class [:\(name):]"
    }
}
