/// A compiled Mustache template. Parse once, render many times; copies share the compiled form.
public struct MustacheTemplate: Sendable {
    /// How deep sections, inverted sections, parents and blocks may nest in one template.
    /// Deeper templates are rejected with ``MustacheParseError/Kind/nestingTooDeep``,
    /// which bounds the analysis size and the renderer's stack use.
    public static let maximumNestingDepth = 100

    /// The compiled form.
    let program: MustacheProgram

    /// Parses and compiles `source`.
    ///
    /// - Throws: ``MustacheParseError`` with the 1-based line and column of the
    ///   offending tag (unclosed tag or section, mismatched or stray close tag,
    ///   bad delimiter change, empty or malformed tag name, nesting deeper than
    ///   ``maximumNestingDepth``).
    public init(_ source: String) throws(MustacheParseError) {
        program = try MustacheCompiler.compile(source)
    }

    private init(program: MustacheProgram) {
        self.program = program
    }

    /// The same template for a cache that only renders it: it renders alike, but its
    /// ``analysis`` is empty and its ``source`` is "" (the text lies once, in the compiled
    /// literals). A server's cache of compiled versions keeps templates so.
    public func trimmedForRendering() -> MustacheTemplate {
        MustacheTemplate(program: MustacheProgram(renderingOnly: program))
    }

    /// Names read, partials and parents included, and blocks — see ``MustacheAnalysis``.
    public var analysis: MustacheAnalysis { program.analysis }

    /// The source text the template was compiled from.
    public var source: String { program.source }

    /// Renders without a library: partials and parents render as the empty string.
    public func render(_ context: MustacheValue, escaping: MustacheEscaping = .none) -> String {
        MustacheLibrary(escaping: escaping).render(self, context)
    }
}
