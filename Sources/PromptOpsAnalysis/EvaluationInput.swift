import PromptOpsCore

/// What an evaluation runs: one version of a template (compiled with the modules it includes),
/// its tests and the model parameters it declares.
public struct EvaluationInput: Sendable {
    /// The compiled namespace holding the template and its modules.
    public var namespace: CompiledNamespace
    /// The template's name.
    public var template: String
    /// The tests to run (by default the template's own `spec.tests`).
    public var tests: [PromptTemplate.Test]
    /// `spec.model.parameters` of the template.
    public var parameters: ModelParameters

    /// The version `template` of `namespace`, with its own tests unless `tests` is given.
    public init(namespace: CompiledNamespace, template: String, tests: [PromptTemplate.Test]? = nil) {
        self.namespace = namespace
        self.template = template
        let entry = namespace.entries[template]?.template
        self.tests = tests ?? entry?.tests ?? []
        self.parameters = entry.map(ModelParameters.init(template:)) ?? ModelParameters()
    }

    /// A stored version, rebuilt from its effective content (see
    /// `CompiledNamespace.init(effectiveJSON:namespace:template:)`); nil when it cannot be read.
    public init?(effectiveJSON: String, namespace: String, template: String) {
        guard let compiled = CompiledNamespace(effectiveJSON: effectiveJSON, namespace: namespace, template: template)
        else { return nil }
        self.init(namespace: compiled, template: template)
    }
}
