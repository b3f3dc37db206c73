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
    public var meta: ObjectMeta
    /// `spec.description`.
    public var description: String?
    /// `spec.model.name`, when set.
    public var modelName: String?
    /// The typed contract, by input name.
    public var inputs: [String: InputSpec]
    /// Messages or text.
    public var body: Body
    /// Evaluation cases.
    public var tests: [Test]
    /// The whole document, for locations and canonical content.
    public var document: LocatedValue

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
