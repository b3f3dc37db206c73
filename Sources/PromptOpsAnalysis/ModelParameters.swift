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
        guard case .object(let parameters)? = template.modelParameters else {
            self.init()
            return
        }
        let temperature: Double?
        switch parameters["temperature"] {
        case .int(let i)?: temperature = Double(i)
        case .double(let d)?: temperature = d
        default: temperature = nil
        }
        let maxTokens: Int?
        switch parameters["maxTokens"] {
        case .int(let i)?: maxTokens = i
        case .double(let d)? where d == d.rounded() && abs(d) < 1e15: maxTokens = Int(d)
        default: maxTokens = nil
        }
        self.init(temperature: temperature, maxTokens: maxTokens)
    }
}
