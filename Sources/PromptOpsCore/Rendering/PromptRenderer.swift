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
    /// The render would do more work or write more than one render may (see
    /// ``CompiledNamespace/maximumRenderBytes``): refused, never cut short.
    case limit(String)

    /// A sentence for people.
    public var description: String {
        switch self {
        case .noSuchTemplate(let name, let namespace): return "no PromptTemplate '\(name)' in namespace '\(namespace)'"
        case .invalidTemplate(let name): return "PromptTemplate '\(name)' has template errors; run validate"
        case .contract(let error): return error.description
        case .limit(let what): return what
        }
    }
}

extension CompiledNamespace {
    /// Renders `name` with `values`, strict contract applied (missing, mistyped, out-of-enum
    /// and undeclared inputs are refused, each naming the input).
    public func render(_ name: String, values: [String: TemplateValue], limits: RenderLimits = .standard) -> Result<RenderedPrompt, RenderError> {
        render(name, values: MustacheObject(values), limits: limits)
    }

    /// Renders `name` with `values`, strict contract applied (missing, mistyped, out-of-enum
    /// and undeclared inputs are refused, each naming the input).
    public func render(_ name: String, values: MustacheObject, limits: RenderLimits = .standard) -> Result<RenderedPrompt, RenderError> {
        var messages: [RenderedPrompt.Message] = []
        var text: String?
        let kind = render(name, values: values, limits: limits) { role, content in
            let rendered = String(decoding: content, as: UTF8.self)
            if let role { messages.append(RenderedPrompt.Message(role: role, content: rendered)) } else { text = rendered }
        }
        switch kind {
        case .success(.text): return .success(.text(text ?? ""))
        case .success(.messages): return .success(.messages(messages))
        case .failure(let error): return .failure(error)
        }
    }

    /// What a template renders to.
    public enum RenderedKind: Sendable, Equatable {
        /// Chat messages: `emit` was called once per message, with its role.
        case messages
        /// One text: `emit` was called once, without a role.
        case text
    }

    /// Renders like ``render(_:values:limits:)``, handing each message's rendered UTF-8 (or
    /// the text's, with a nil role) to `emit`, in order, instead of making `String`s: a server
    /// writes them straight into its answer. The bytes are valid only during that call of
    /// `emit` (copy them to keep them). On a failure, what was emitted is to be dropped.
    public func render(_ name: String, values: MustacheObject, limits: RenderLimits = .standard,
                       emit: (_ role: String?, _ content: UnsafeBufferPointer<UInt8>) -> Void) -> Result<RenderedKind, RenderError> {
        guard let entry = entries[name] else { return .failure(.noSuchTemplate(name: name, namespace: namespace)) }
        guard !entry.compiled.contains(where: { $0 == nil }) else { return .failure(.invalidTemplate(name: name)) }
        let context: TemplateValue
        switch effectiveContract(of: name).resolve(values) {
        case .success(let c): context = c
        case .failure(let e): return .failure(.contract(e))
        }
        return renderMessages(of: entry, limits: limits, emit: emit) { library, template, bytes in
            library.renderBounded(template, context, bytes: bytes)
        }
    }

    /// Renders like ``render(_:values:limits:emit:)`` with the values of object `variables`
    /// of `tape`, read where they lie (no value tree is built): the same bytes and the same
    /// failures, except that values the contract refuses give nil. The caller then renders
    /// from the value tree (``JSONTape/value(_:)``), which says why. The contract's defaults
    /// are added to `tape`.
    public func render(_ name: String, tape: inout JSONTape, variables: Int, limits: RenderLimits = .standard,
                       emit: (_ role: String?, _ content: UnsafeBufferPointer<UInt8>) -> Void) -> Result<RenderedKind, RenderError>? {
        guard let entry = entries[name] else { return .failure(.noSuchTemplate(name: name, namespace: namespace)) }
        guard !entry.compiled.contains(where: { $0 == nil }) else { return .failure(.invalidTemplate(name: name)) }
        guard effectiveContract(of: name).resolve(tape: &tape, object: variables) else { return nil }
        return tape.withView { view in
            renderMessages(of: entry, limits: limits, emit: emit) { library, template, bytes in
                library.renderBounded(template, view: view, context: variables, bytes: bytes)
            }
        }
    }

    /// Renders each message of `entry` (or its text) with `one`, within `limits` all together.
    private func renderMessages(
        of entry: Entry, limits: RenderLimits, emit: (_ role: String?, _ content: UnsafeBufferPointer<UInt8>) -> Void,
        one renderOne: (MustacheLibrary, MustacheTemplate, (UnsafeBufferPointer<UInt8>) -> Int) -> Result<Int, MustacheRenderLimit>
    ) -> Result<RenderedKind, RenderError> {
        var bounded = library
        bounded.maximumOutputBytes = limits.maximumBytes
        bounded.maximumRenderSteps = limits.maximumSteps
        // `emit` does not escape: the render hands bytes to it and returns.
        func one(_ template: MustacheTemplate, role: String?) -> RenderError? {
            let rendered = withoutActuallyEscaping(emit) { emit in
                renderOne(bounded, template) { content in
                    emit(role, content)
                    return content.count
                }
            }
            switch rendered {
            case .success(let count):
                bounded.maximumOutputBytes -= count
                return nil
            case .failure(.outputBytes):
                return .limit("the rendered prompt would be larger than \(limits.maximumBytes) bytes")
            case .failure(.steps):
                return .limit("rendering takes more than \(limits.maximumSteps) template steps (a section or partial multiplying its content?)")
            }
        }
        switch entry.template.body {
        case .text:
            if let error = one(entry.compiled[0]!, role: nil) { return .failure(error) }
            return .success(.text)
        case .messages(let messages):
            for (message, template) in zip(messages, entry.compiled) {
                if let error = one(template!, role: message.role) { return .failure(error) }
            }
            return .success(.messages)
        }
    }

    /// The most bytes one render may produce by default (all messages together): 1 MiB.
    public static let maximumRenderBytes = RenderLimits.standard.maximumBytes
    /// The most template instructions one render may execute by default.
    public static let maximumRenderSteps = RenderLimits.standard.maximumSteps
}

/// What one render may cost: output bytes (all messages together) and template steps
/// (each section iteration counts). Over either, the render is refused, never cut short.
public struct RenderLimits: Sendable, Equatable {
    /// Most output bytes.
    public var maximumBytes: Int
    /// Most template instructions executed.
    public var maximumSteps: Int

    /// Creates limits.
    public init(maximumBytes: Int, maximumSteps: Int) {
        self.maximumBytes = maximumBytes
        self.maximumSteps = maximumSteps
    }

    /// 1 MiB and 2,000,000 steps.
    public static let standard = RenderLimits(maximumBytes: 1 << 20, maximumSteps: 2_000_000)
}
