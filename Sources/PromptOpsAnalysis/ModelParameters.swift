import PromptOpsCore

/// Sampling parameters sent with a chat completion, from a template's `spec.model.parameters`.
public struct ModelParameters: Sendable, Equatable, Codable {
    /// `temperature`, when set.
    public var temperature: Double?
    /// `maxTokens`, sent as `max_tokens`, when set.
    public var maxTokens: Int?

    /// Parameters with the given values (none by default: the endpoint's defaults apply).
    public init(temperature: Double? = nil, maxTokens: Int? = nil) {
        self.temperature = temperature
        self.maxTokens = maxTokens
    }

    /// Reads `spec.model.parameters.temperature` and `.maxTokens` of `template`; other
    /// parameters are not sent.
    public init(template: PromptTemplate) {
        let parameters = template.document.at("spec", "model", "parameters")
        self.init(temperature: parameters?["temperature"]?.double, maxTokens: parameters?["maxTokens"]?.int)
    }
}
