/// What a template reads and includes, computed once at compile time.
///
/// Only the template itself is analysed; partials and parents are listed, not
/// followed (the caller resolves them in its library). Content that a parent tag
/// ignores (anything in `{{<p}}…{{/p}}` outside its `{{$block}}` arguments) is
/// not analysed, because it is never rendered.
public struct MustacheAnalysis: Sendable, Equatable {
    /// Every name read, in source order: interpolations, section and inverted-section
    /// openers, and the names that dynamic partials/parents (`{{>*name}}`) look up.
    public var variables: [MustacheNameReference]
    /// `{{>name}}` and `{{>*name}}` tags, in source order. For dynamic ones
    /// (`isDynamic`), `name` is the dotted name looked up in the context.
    public var partials: [MustacheTemplateReference]
    /// `{{<name}}` and `{{<*name}}` tags, in source order.
    public var parents: [MustacheTemplateReference]
    /// Names of `{{$block}}` tags (slots defined or arguments passed), first occurrence order, without duplicates.
    public var blocks: [String]

    /// Creates an analysis; all lists default to empty.
    public init(
        variables: [MustacheNameReference] = [],
        partials: [MustacheTemplateReference] = [],
        parents: [MustacheTemplateReference] = [],
        blocks: [String] = []
    ) {
        self.variables = variables
        self.partials = partials
        self.parents = parents
        self.blocks = blocks
    }
}

/// One place where a template reads a name.
///
/// `sectionScopes` lists the enclosing `{{#section}}` names, outermost first, each
/// split on dots, so the caller can decide whether the name resolves on a section
/// item or falls back to an outer context. Inverted sections (`{{^x}}`) never push a
/// context, so they do not appear in `sectionScopes`: a name inside `{{^x}}` carries
/// only the scopes enclosing the inverted section. A section opener's own scopes are
/// those enclosing it (not itself). Blocks and parent tags do not push contexts either.
public struct MustacheNameReference: Sendable, Equatable {
    /// The dotted name split on dots; `["."]` for the implicit iterator `{{.}}`.
    public var path: [String]
    /// Enclosing section names from outermost to innermost, each split on dots.
    public var sectionScopes: [[String]]
    /// 1-based line of the tag.
    public var line: Int
    /// 1-based column (Unicode scalars) of the tag.
    public var column: Int

    /// Creates a reference.
    public init(path: [String], sectionScopes: [[String]] = [], line: Int, column: Int) {
        self.path = path
        self.sectionScopes = sectionScopes
        self.line = line
        self.column = column
    }
}

/// One place where a template includes another (partial or parent).
public struct MustacheTemplateReference: Sendable, Equatable {
    /// The template name; for dynamic tags, the dotted context name that yields it.
    public var name: String
    /// Whether the name is read from the context (`{{>*name}}`).
    public var isDynamic: Bool
    /// 1-based line of the tag.
    public var line: Int
    /// 1-based column (Unicode scalars) of the tag.
    public var column: Int

    /// Creates a reference.
    public init(name: String, isDynamic: Bool = false, line: Int, column: Int) {
        self.name = name
        self.isDynamic = isDynamic
        self.line = line
        self.column = column
    }
}
