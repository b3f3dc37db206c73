/// Every template of one namespace parsed once: the compiled sources, what each reads and
/// includes, and a Mustache library where text templates resolve as partials and parents.
public struct CompiledNamespace: Sendable {
    /// One template, compiled.
    public struct Entry: Sendable {
        /// The manifest object.
        public var template: PromptTemplate
        /// Compiled sources in body order (nil where the source failed to parse).
        public var compiled: [MustacheTemplate?]
        /// Names of templates this one includes directly (partials and parents).
        public var includes: [String]
    }

    /// The namespace.
    public var namespace: String
    /// Entries by template name.
    public var entries: [String: Entry] {
        didSet { contracts = [:] }
    }
    /// Text templates registered by name, for partials and parents; prompt mode (no escaping).
    public var library: MustacheLibrary
    /// Parse errors found while compiling.
    public var diagnostics: [Diagnostic]
    /// Effective contracts computed once (a stored version's template: it renders on every
    /// request; a profile of render showed the contract rebuilt and re-sorted each time).
    var contracts: [String: InputContract] = [:]

    /// Compiles the templates of `namespace` in `set`.
    public init(namespace: String, templates: [String: PromptTemplate]) {
        self.namespace = namespace
        var entries: [String: Entry] = [:]
        var library = MustacheLibrary(escaping: .none)
        var diagnostics: [Diagnostic] = []
        for name in templates.keys.sorted() {
            let template = templates[name]!
            var compiled: [MustacheTemplate?] = []
            var includes: [String] = []
            for (label, source) in template.body.sources {
                do {
                    let parsed = try MustacheTemplate(source.text)
                    compiled.append(parsed)
                    let analysis = parsed.analysis
                    for ref in analysis.partials + analysis.parents where !ref.isDynamic && !includes.contains(ref.name) {
                        includes.append(ref.name)
                    }
                } catch {
                    compiled.append(nil)
                    diagnostics.append(Diagnostic(.error, at: source.fileLocation(line: error.line, column: error.column),
                        "\(label): template syntax error: \(error.message)",
                        kind: "PromptTemplate", name: name, namespace: namespace))
                }
            }
            if case .text = template.body, let first = compiled.first, let parsed = first {
                library.register(parsed, named: name)
            }
            entries[name] = Entry(template: template, compiled: compiled, includes: includes)
        }
        self.entries = entries
        self.library = library
        self.diagnostics = diagnostics
    }

    /// Every template reachable from `name` through includes, without `name` itself, in a
    /// stable order; stops at cycles (reported by the validator).
    public func transitiveIncludes(of name: String) -> [String] {
        var seen: Set<String> = [name]
        var order: [String] = []
        var stack = entries[name]?.includes.reversed().map { $0 } ?? []
        while let next = stack.popLast() {
            guard !seen.contains(next) else { continue }
            seen.insert(next)
            order.append(next)
            stack += (entries[next]?.includes ?? []).reversed()
        }
        return order
    }

    /// The contract a render of `name` is checked against: its own inputs plus the inputs
    /// of every template it includes (its own declaration wins), because included modules
    /// read from the same context.
    public func effectiveContract(of name: String) -> InputContract {
        if let contract = contracts[name] { return contract }
        var inputs = entries[name]?.template.inputs ?? [:]
        for module in transitiveIncludes(of: name) {
            for (input, spec) in entries[module]?.template.inputs ?? [:] where inputs[input] == nil {
                inputs[input] = spec
            }
        }
        return InputContract(inputs: inputs)
    }
}
