/// The result of rendering a template: chat messages or one text.
public enum RenderedPrompt: Sendable, Equatable {
    /// One rendered chat message.
    public struct Message: Sendable, Hashable, Codable {
        /// system, user or assistant.
        public var role: String
        /// The rendered text.
        public var content: String

        /// Creates a message.
        public init(role: String, content: String) {
            self.role = role
            self.content = content
        }
    }

    case messages([Message])
    case text(String)
}

/// Why a render was refused.
public enum RenderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No template of that name in the namespace.
    case noSuchTemplate(name: String, namespace: String)
    /// The template does not compile (see validation).
    case invalidTemplate(name: String)
    /// The inputs break the contract.
    case contract(ContractError)

    /// A sentence for people.
    public var description: String {
        switch self {
        case .noSuchTemplate(let name, let namespace): return "no PromptTemplate '\(name)' in namespace '\(namespace)'"
        case .invalidTemplate(let name): return "PromptTemplate '\(name)' has template errors; run validate"
        case .contract(let error): return error.description
        }
    }
}

extension CompiledNamespace {
    /// Renders `name` with `values`, strict contract applied (missing, mistyped, out-of-enum
    /// and undeclared inputs are refused, each naming the input).
    public func render(_ name: String, values: [String: TemplateValue]) -> Result<RenderedPrompt, RenderError> {
        guard let entry = entries[name] else { return .failure(.noSuchTemplate(name: name, namespace: namespace)) }
        let compiled = entry.compiled.compactMap { $0 }
        guard compiled.count == entry.compiled.count else { return .failure(.invalidTemplate(name: name)) }
        let context: TemplateValue
        switch effectiveContract(of: name).resolve(values) {
        case .success(let c): context = c
        case .failure(let e): return .failure(.contract(e))
        }
        switch entry.template.body {
        case .text:
            return .success(.text(library.render(compiled[0], context)))
        case .messages(let messages):
            return .success(.messages(zip(messages, compiled).map {
                RenderedPrompt.Message(role: $0.role, content: library.render($1, context))
            }))
        }
    }
}
