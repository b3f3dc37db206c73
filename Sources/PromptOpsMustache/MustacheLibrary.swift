/// A named set of compiled templates; partials `{{> name}}`, parents `{{< name}}`
/// and dynamic names `{{>*name}}` resolve within it. A missing template renders
/// as the empty string, as the spec requires.
///
/// Rendering is bounded so that no template or data can exhaust the stack or
/// run away: partials, parents and block overrides nest at most
/// ``maximumExpansionDepth`` levels, sections plus expansions at most
/// ``maximumNestingDepth`` levels, and one render executes at most
/// ``maximumRenderSteps`` instructions (which stops exponential fan-out such as a
/// partial that includes itself twice). Content past a limit renders as nothing.
public struct MustacheLibrary: Sendable {
    /// How deep partials, parents and block overrides may nest before rendering stops descending.
    public static let maximumExpansionDepth = 64
    /// How deep sections and expansions together may nest before rendering stops descending.
    public static let maximumNestingDepth = 256

    /// The most bytes one ``renderBounded(_:_:)`` may write (no limit by default).
    public var maximumOutputBytes = Int.max

    /// The registered templates by name.
    public private(set) var templates: [String: MustacheTemplate]
    /// How `{{name}}` interpolations are escaped; `.none` (prompt mode) by default.
    public var escaping: MustacheEscaping
    /// How many template instructions one render may execute (10 million by default);
    /// past that, the output is cut off.
    public var maximumRenderSteps = 10_000_000

    /// Creates a library from named templates.
    public init(templates: [String: MustacheTemplate] = [:], escaping: MustacheEscaping = .none) {
        self.templates = templates
        self.escaping = escaping
    }

    /// Adds or replaces the template called `named`.
    public mutating func register(_ template: MustacheTemplate, named: String) {
        templates[named] = template
    }

    /// The template registered as `name`, if any.
    public subscript(name: String) -> MustacheTemplate? {
        templates[name]
    }

    /// Renders the template registered as `name`; `nil` when there is no such template.
    public func render(_ name: String, _ context: MustacheValue) -> String? {
        guard let template = templates[name] else { return nil }
        return render(template, context)
    }

    /// Renders `template` against `context`, resolving partials and parents in this library.
    public func render(_ template: MustacheTemplate, _ context: MustacheValue) -> String {
        let program = template.program
        var renderer = MustacheRenderer(
            document: MustacheValueTree(), templates: templates, escapesHTML: escaping == .html, context: context,
            capacity: program.capacityHint, steps: maximumRenderSteps)
        renderer.render(program, from: 0, to: program.instructions.count)
        return renderer.output.makeString()
    }

    /// Renders like ``render(_:_:)-(MustacheTemplate,_)``, but a render that reaches
    /// ``maximumRenderSteps`` or ``maximumOutputBytes`` is a failure naming the limit, never
    /// a silently shortened text.
    public func renderBounded(_ template: MustacheTemplate, _ context: MustacheValue) -> Result<String, MustacheRenderLimit> {
        renderBounded(template, context) { String(decoding: $0, as: UTF8.self) }
    }

    /// Renders like ``renderBounded(_:_:)``, handing the rendered UTF-8 (valid: it joins
    /// `String` contents) to `body` instead of making a `String` of it: a server writing it
    /// into an answer skips a copy and a UTF-8 check.
    public func renderBounded<R>(_ template: MustacheTemplate, _ context: MustacheValue,
                                 bytes body: (UnsafeBufferPointer<UInt8>) -> R) -> Result<R, MustacheRenderLimit> {
        var result: R?
        return render(template, document: MustacheValueTree(), context: context) { result = body($0) }.map { result! }
    }

    /// Renders like ``renderBounded(_:_:bytes:)`` with the values of a JSON tape, read in
    /// place: `context` (a node of the tape) is the context. Renders what the value tree of
    /// the same document would (``JSONTapeView/value(_:)``), byte for byte, without building it.
    public func renderBounded<R>(_ template: MustacheTemplate, view: JSONTapeView, context: Int,
                                 bytes body: (UnsafeBufferPointer<UInt8>) -> R) -> Result<R, MustacheRenderLimit> {
        var result: R?
        return render(template, document: view, context: Int32(context)) { result = body($0) }.map { result! }
    }

    /// ``renderBounded(_:view:context:bytes:)`` through a view of `tape`.
    public func renderBounded<R>(_ template: MustacheTemplate, tape: JSONTape, context: Int,
                                 bytes body: (UnsafeBufferPointer<UInt8>) -> R) -> Result<R, MustacheRenderLimit> {
        tape.withView { renderBounded(template, view: $0, context: context, bytes: body) }
    }

    /// The bounded render of `template` with `context` read through `document`, its bytes
    /// handed to `body`. Generic over the document only, not over what `body` makes: called
    /// from a function generic over that, it would not be specialized, and the renderer would
    /// run unspecialized (a render request's CPU rose by a fifth).
    private func render<Document: MustacheDocument>(
        _ template: MustacheTemplate, document: Document, context: Document.Value, bytes body: (UnsafeBufferPointer<UInt8>) -> Void
    ) -> Result<Void, MustacheRenderLimit> {
        let program = template.program
        var renderer = MustacheRenderer(
            document: document, templates: templates, escapesHTML: escaping == .html, context: context,
            capacity: min(program.capacityHint, maximumOutputBytes), steps: maximumRenderSteps)
        renderer.maximumOutput = maximumOutputBytes
        renderer.render(program, from: 0, to: program.instructions.count)
        if let limit = renderer.stopped { return .failure(limit) }
        if renderer.output.byteCount > maximumOutputBytes { return .failure(.outputBytes) }
        return .success(renderer.output.withBytes(body))
    }
}

/// The limit that stopped a bounded render.
public enum MustacheRenderLimit: Error, Sendable, Equatable {
    /// ``MustacheLibrary/maximumRenderSteps`` instructions were executed.
    case steps
    /// More than ``MustacheLibrary/maximumOutputBytes`` bytes were written.
    case outputBytes
}
