/// The kind of a scanned tag, decided by its sigil.
enum MustacheTagKind: Equatable, Sendable {
    /// `{{name}}` — escaped interpolation.
    case variable
    /// `{{{name}}}` or `{{&name}}` — raw interpolation.
    case unescapedVariable
    /// `{{#name}}`.
    case section
    /// `{{^name}}`.
    case invertedSection
    /// `{{/name}}`.
    case close
    /// `{{! text }}`.
    case comment
    /// `{{=<% %>=}}`.
    case delimiters
    /// `{{>name}}` or `{{>*name}}`.
    case partial
    /// `{{<name}}` or `{{<*name}}`.
    case parent
    /// `{{$name}}`.
    case block

    /// Whether a tag of this kind may stand alone on a line (and then vanishes with it).
    var canStandAlone: Bool {
        switch self {
        case .variable, .unescapedVariable: return false
        default: return true
        }
    }

    /// Whether the kind opens a container that a `{{/name}}` closes.
    var opensContainer: Bool {
        switch self {
        case .section, .invertedSection, .parent, .block: return true
        default: return false
        }
    }
}

/// One tag as scanned, with its position and (after line layout) standalone facts.
struct MustacheTag: Sendable {
    /// What the tag does.
    var kind: MustacheTagKind
    /// The trimmed name; for dynamic partials and parents, without the `*`.
    var name: String
    /// `{{>*name}}` / `{{<*name}}` (and `{{/*name}}` closers).
    var isDynamic: Bool
    /// 1-based line of the opening delimiter.
    var line: Int
    /// 1-based column (Unicode scalars) of the opening delimiter.
    var column: Int
    /// For a close tag: the kind of container it closes, when it matches one.
    var closes: MustacheTagKind? = nil
    /// Whether the tag's line was removed as standalone.
    var isStandalone = false
    /// Whitespace before the tag on its line, when only whitespace precedes it.
    var indentation: String? = nil
}

/// A piece of scanned template: literal text, a line break, or a tag.
enum MustacheToken: Sendable {
    /// Literal bytes without line breaks.
    case text(Range<Int>)
    /// `\n` or `\r\n`.
    case newline(Range<Int>)
    /// A tag.
    case tag(MustacheTag)
}
