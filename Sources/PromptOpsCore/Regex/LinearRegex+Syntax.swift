/// Zero-width assertions, evaluated against the scalars around a text position.
enum LinearRegexAssertion: Sendable, Hashable {
    /// `\A`, and `^` without `(?m)`.
    case textStart
    /// `\z`.
    case textEnd
    /// `\Z`, and `$` without `(?m)`: the end, or just before a line terminator
    /// that ends the text (PCRE's rule, so "key$" still fires on "key\n").
    case textEndOrBeforeFinalNewline
    /// `^` with `(?m)`: the start, or just after a line terminator.
    case lineStart
    /// `$` with `(?m)`: the end, or just before a line terminator.
    case lineEnd
    /// `\b`.
    case wordBoundary
    /// `\B`.
    case notWordBoundary
}

/// The inline flags in force while parsing; they are baked into the nodes, so the
/// compiled program never needs to know about them.
struct LinearRegexFlags: Sendable, Hashable {
    /// `(?i)`: simple, scalar-wise case-insensitive matching.
    var caseInsensitive = false
    /// `(?s)`: `.` also matches line terminators.
    var dotAll = false
    /// `(?m)`: `^` and `$` match at line boundaries.
    var multiline = false
    /// `(?x)`: whitespace and `#` comments outside classes are ignored.
    var extended = false
}

/// The parsed pattern. Groups leave no trace because nothing is captured.
indirect enum LinearRegexNode: Sendable {
    /// Matches the empty string.
    case empty
    /// One literal scalar.
    case scalar(Unicode.Scalar, caseInsensitive: Bool)
    /// A bracket class, a class escape like `\d`, or `\N`.
    case characterClass(LinearRegexCharacterClass)
    /// `.`; `dotAll` means line terminators match too.
    case anyScalar(dotAll: Bool)
    /// A zero-width assertion.
    case assertion(LinearRegexAssertion)
    /// Items in sequence (never contains `.empty`, never fewer than two items).
    case concatenation([LinearRegexNode])
    /// Alternatives, highest priority first.
    case alternation([LinearRegexNode])
    /// A quantifier; `max == nil` is unbounded. `offset` locates it for errors.
    case repetition(LinearRegexNode, min: Int, max: Int?, greedy: Bool, offset: Int)

    /// Builds a sequence, dropping empty items, so that every node other than
    /// `.empty` compiles to at least one instruction. That keeps compile time
    /// bounded by the program-size limit even for things like `(?:){1000}`.
    static func sequence(_ items: [LinearRegexNode]) -> LinearRegexNode {
        let kept = items.filter { if case .empty = $0 { return false } else { return true } }
        switch kept.count {
        case 0: return .empty
        case 1: return kept[0]
        default: return .concatenation(kept)
        }
    }

    /// Builds a repetition, folding the cases that match only the empty string.
    static func repeated(
        _ body: LinearRegexNode, min: Int, max: Int?, greedy: Bool, offset: Int
    ) -> LinearRegexNode {
        if case .empty = body { return .empty }
        if max == 0 { return .empty }
        if min == 1 && max == 1 { return body }
        return .repetition(body, min: min, max: max, greedy: greedy, offset: offset)
    }

    /// Whether the node can match without consuming input (assertions count as
    /// empty). Loops over such bodies need the empty-iteration rule in the VM.
    var canMatchEmpty: Bool {
        switch self {
        case .empty, .assertion:
            return true
        case .scalar, .characterClass, .anyScalar:
            return false
        case .concatenation(let items):
            return items.allSatisfy { $0.canMatchEmpty }
        case .alternation(let branches):
            return branches.contains { $0.canMatchEmpty }
        case .repetition(let body, let min, _, _, _):
            return min == 0 || body.canMatchEmpty
        }
    }
}
