import AsyncHTTPClient
import Foundation
import PromptOpsCore

/// Calls an OpenAI-compatible chat completions endpoint (`POST {endpoint}/chat/completions`)
/// and returns the first choice's text.
public struct ChatCompletionsClient: Sendable {
    /// One answer of the model.
    public struct Completion: Sendable, Equatable {
        /// `choices[0].message.content`.
        public var content: String
        /// From sending the request to having the whole answer.
        public var latency: Duration
    }

    /// The base URL, e.g. `http://127.0.0.1:11434/v1` (a trailing slash is allowed).
    public var endpoint: String
    /// The model name sent as `model`.
    public var model: String
    /// The API key sent as a bearer token (a granted secret's value); nil sends none.
    public var apiKey: String?
    /// How long one call may take, answer included.
    public var timeout: Duration
    /// Sampling parameters sent when set.
    public var parameters: ModelParameters
    private let exchange: HTTPExchange

    /// A client for `model` at `endpoint`.
    /// - Parameters:
    ///   - httpClient: shared connection pool; its owner shuts it down.
    ///   - apiKey: sent as `Authorization: Bearer`.
    public init(
        httpClient: HTTPClient, endpoint: String, model: String, apiKey: String? = nil,
        timeout: Duration = .seconds(30), parameters: ModelParameters = ModelParameters()
    ) {
        self.exchange = HTTPExchange(client: httpClient)
        self.endpoint = endpoint
        self.model = model
        self.apiKey = apiKey
        self.timeout = timeout
        self.parameters = parameters
    }

    /// `{endpoint}/chat/completions`, with or without a trailing slash on the endpoint.
    public var url: String {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/chat/completions"
    }

    /// Sends `prompt` (a text prompt becomes one `user` message) and returns the answer.
    /// - Throws: ``EndpointError`` for an unusable endpoint, no connection, a timeout, a non-2xx
    ///   status or an answer without `choices[0].message.content`.
    public func complete(_ prompt: RenderedPrompt) async throws(EndpointError) -> Completion {
        let messages: [RenderedPrompt.Message]
        switch prompt {
        case .messages(let list): messages = list
        case .text(let text): messages = [RenderedPrompt.Message(role: "user", content: text)]
        }
        let body = RequestBody(model: model, messages: messages, temperature: parameters.temperature,
                               maxTokens: parameters.maxTokens)
        let encoded: Data
        do { encoded = try JSONEncoder().encode(body) } catch {
            throw .invalidEndpoint(endpoint, reason: "cannot encode the request: \(error)")
        }
        var headers = [("Content-Type", "application/json"), ("Accept", "application/json")]
        if let key = apiKey, !key.isEmpty {
            headers.append(("Authorization", "Bearer \(key)"))
        }
        let url = self.url
        let answer = try await exchange.send(.POST, url: url, headers: headers, body: Array(encoded), timeout: timeout)
        guard let json = JSONValue.parse(answer.body.readableBytesView) else {
            throw .badResponse(url: url, reason: "the body is not JSON (\(answer.body.readableBytes) bytes)")
        }
        guard let choice = json["choices"]?[0] else {
            throw .badResponse(url: url, reason: json["error"] != nil ? "the answer is an error object" : "no choices[0] in the answer")
        }
        guard let content = choice["message"]?["content"]?.string else {
            throw .badResponse(url: url, reason: "choices[0].message.content is missing or not a string")
        }
        return Completion(content: content, latency: answer.latency)
    }

    /// The JSON body of a chat completions request.
    private struct RequestBody: Encodable {
        var model: String
        var messages: [RenderedPrompt.Message]
        var temperature: Double?
        var maxTokens: Int?

        enum CodingKeys: String, CodingKey {
            case model, messages, temperature
            case maxTokens = "max_tokens"
        }
    }
}
