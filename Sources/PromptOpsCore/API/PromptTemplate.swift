/// A `PromptTemplate`: typed inputs, chat messages or text, and tests.
public struct PromptTemplate: Sendable, Equatable {
    /// One chat message.
    public struct Message: Sendable, Equatable {
        /// system, user or assistant.
        public var role: String
        /// The Mustache source.
        public var content: TemplateSource
    }

    /// The body: chat messages or one text.
    public enum Body: Sendable, Equatable {
        case messages([Message])
        case text(TemplateSource)

        /// Every template source with a label (`messages[0]` or `text`).
        public var sources: [(label: String, source: TemplateSource)] {
            switch self {
            case .messages(let list): return list.enumerated().map { ("messages[\($0.offset)]", $0.element.content) }
            case .text(let source): return [("text", source)]
            }
        }
    }

    /// One assertion of a test.
    public struct Assertion: Sendable, Equatable {
        /// The assertion type (`contains`, ...).
        public var type: String
        /// Its argument.
        public var value: TemplateValue?
        /// Weight in the score; default 1.
        public var weight: Double
        /// Where it is written.
        public var location: SourceLocation
    }

    /// One evaluation case.
    public struct Test: Sendable, Equatable {
        /// Unique within the template.
        public var name: String
        /// The inputs.
        public var vars: [String: TemplateValue]
        /// Where `vars` (or the test) is written.
        public var varsLocation: SourceLocation
        /// The checks.
        public var assertions: [Assertion]
        /// Weighted score needed to pass.
        public var threshold: Double
    }

    /// Identity and labels.
    public var meta: ObjectMeta { storage.meta }
    /// `spec.description`.
    public var description: String? { storage.description }
    /// `spec.model.name`, when set.
    public var modelName: String? { storage.modelName }
    /// The typed contract, by input name.
    public var inputs: [String: InputSpec] { storage.inputs }
    /// Messages or text.
    public var body: Body { storage.body }
    /// Evaluation cases.
    public var tests: [Test] { storage.tests }
    /// `spec.model.parameters`, when set.
    public var modelParameters: TemplateValue? { storage.modelParameters }
    /// Where the template is written and its canonical content (the YAML tree itself is
    /// not kept: a controller holds every template of the repository in memory).
    public var origin: Origin { storage.origin }

    private let storage: PromptTemplateStorage

    /// Creates a template (``ManifestLoader`` does, from a schema-checked document).
    public init(meta: ObjectMeta, description: String?, modelName: String?, inputs: [String: InputSpec], body: Body,
                tests: [Test], modelParameters: TemplateValue?, origin: Origin) {
        storage = PromptTemplateStorage(meta: meta, description: description, modelName: modelName, inputs: inputs, body: body,
                          tests: tests, modelParameters: modelParameters, origin: origin)
    }

    /// Field-wise equality (the same storage is equal without looking).
    public static func == (a: PromptTemplate, b: PromptTemplate) -> Bool {
        a.storage === b.storage
            || (a.meta == b.meta && a.description == b.description && a.modelName == b.modelName
                && a.inputs == b.inputs && a.body == b.body && a.tests == b.tests
                && a.modelParameters == b.modelParameters && a.origin == b.origin)
    }

    /// Where a template and its parts are written, and its canonical spec.
    public struct Origin: Sendable, Equatable {
        /// The start of the document.
        public var location: SourceLocation
        /// `spec` (the document when absent).
        public var spec: SourceLocation
        /// `spec.model.name`.
        public var modelName: SourceLocation?
        /// `spec.messages` or `spec.text`.
        public var body: SourceLocation?
        /// `spec.tests`.
        public var tests: SourceLocation?
        /// `metadata.labels` (else `metadata`, else the document).
        public var labels: SourceLocation
        /// Canonical JSON of `spec` (see ``CanonicalJSON``).
        public var specJSON: String
        /// SHA-256 (hex) of ``specJSON``: the template's own content hash.
        public var specHash: String

        /// The file the template is written in.
        public var path: String { location.path }
    }

    /// The object's key.
    public var key: ObjectKey { ObjectKey(kind: "PromptTemplate", namespace: meta.namespace, name: meta.name) }
}

/// Mustache source text with enough about its YAML node to map template positions to the file.
public struct TemplateSource: Sendable, Equatable {
    /// The text.
    public var text: String
    /// Where the YAML scalar starts.
    public var location: SourceLocation
    /// How the scalar was written.
    public var style: LocatedValue.ScalarStyle
    /// The file location of a 1-based `line`/`column` inside the template text.
    public func fileLocation(line: Int, column: Int) -> SourceLocation {
        switch style {
        case .block(let contentColumn):
            return SourceLocation(path: location.path, line: location.line + line, column: contentColumn + column - 1)
        case .quoted:
            return SourceLocation(path: location.path, line: location.line + line - 1,
                                  column: line == 1 ? location.column + column : column)
        case .plain, .notScalar:
            return SourceLocation(path: location.path, line: location.line + line - 1,
                                  column: line == 1 ? location.column + column - 1 : column)
        }
    }
}

/// The fields, in one immutable heap object: a template is copied into several indexes
/// (file cache, manifest set, compiled namespaces), and each copy is one reference.
final class PromptTemplateStorage: Sendable {
    let meta: ObjectMeta
    let description: String?
    let modelName: String?
    let inputs: [String: InputSpec]
    let body: PromptTemplate.Body
    let tests: [PromptTemplate.Test]
    let modelParameters: TemplateValue?
    let origin: PromptTemplate.Origin

    init(meta: ObjectMeta, description: String?, modelName: String?, inputs: [String: InputSpec], body: PromptTemplate.Body,
         tests: [PromptTemplate.Test], modelParameters: TemplateValue?, origin: PromptTemplate.Origin) {
        self.meta = meta
        self.description = description
        self.modelName = modelName
        self.inputs = inputs
        self.body = body
        self.tests = tests
        self.modelParameters = modelParameters
        self.origin = origin
    }
}

extension PromptTemplate {
    /// The template with only what a compiled namespace renders it from: no description, no
    /// tests, no inputs (the namespace computes the effective contract from them before
    /// trimming), no source texts (the namespace keeps them compiled), and an empty canonical
    /// spec (`origin.specJSON` and `origin.specHash` are "").
    /// Only ``CompiledNamespace/trimmedForRendering(_:)`` may use it: on its own, a template
    /// without inputs would render under an empty contract.
    func trimmedForRendering() -> PromptTemplate {
        var origin = self.origin
        origin.specJSON = ""
        origin.specHash = ""
        // The text is rendered from the compiled templates; the body keeps roles and positions.
        var body = self.body
        switch body {
        case .text(var source):
            source.text = ""
            body = .text(source)
        case .messages(var messages):
            for i in messages.indices { messages[i].content.text = "" }
            body = .messages(messages)
        }
        return PromptTemplate(meta: meta, description: nil, modelName: modelName, inputs: [:], body: body,
                              tests: [], modelParameters: modelParameters, origin: origin)
    }
}
