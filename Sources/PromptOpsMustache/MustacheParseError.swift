/// Why a template could not be compiled, and where.
///
/// `line` and `column` are 1-based and point at the first character of the
/// offending tag's opening delimiter; columns count Unicode scalars.
public struct MustacheParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The category of a parse failure, for callers that react to it programmatically.
    public enum Kind: Sendable, Equatable {
        /// A tag's opening delimiter has no matching closing delimiter.
        case unclosedTag
        /// A section, inverted section, parent or block is never closed.
        case unclosedSection
        /// A closing tag names a different section than the one that is open.
        case mismatchedClose
        /// A closing tag appears while no section is open.
        case unexpectedClose
        /// A set-delimiter tag does not hold exactly two valid delimiters.
        case invalidDelimiters
        /// A tag that needs a name has none.
        case emptyTagName
        /// A tag name contains whitespace or an empty dotted-name segment.
        case invalidTagName
        /// Sections, parents and blocks nest deeper than ``MustacheTemplate/maximumNestingDepth``.
        case nestingTooDeep
    }

    /// The category of the failure.
    public var kind: Kind
    /// A human-readable explanation.
    public var message: String
    /// 1-based line of the offending tag.
    public var line: Int
    /// 1-based column (in Unicode scalars) of the offending tag.
    public var column: Int

    /// Creates an error of the given kind at a 1-based position.
    public init(kind: Kind, message: String, line: Int, column: Int) {
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
    }

    /// `line:column: message`.
    public var description: String { "\(line):\(column): \(message)" }
}
