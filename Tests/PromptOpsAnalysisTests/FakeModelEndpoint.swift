import Foundation
import Hummingbird
import PromptOpsAnalysis
import PromptOpsCore

/// A fake OpenAI-compatible chat completions endpoint answering from a table, looking at the
/// last message: it greets the customer named in `Customer: NAME.`, answers "As an AI…" to
/// tickets mentioning "bad", takes 12 s for "SLOW", answers 500 for "CRASH" and non-JSON for
/// "GARBLE".
enum FakeModelEndpoint {
    /// A router serving `POST /v1/chat/completions`, recording every request in `log`.
    static func router(log: RequestLog) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/v1/chat/completions") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            await log.record(.init(authorization: request.headers[.authorization], body: body))
            let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
            let messages = json["messages"] as? [[String: Any]] ?? []
            let prompt = messages.last?["content"] as? String ?? ""
            if prompt.contains("SLOW") { try await Task.sleep(for: .seconds(12)) }
            if prompt.contains("CRASH") { return jsonResponse(#"{"error":{"message":"boom"}}"#, status: .internalServerError) }
            if prompt.contains("GARBLE") { return jsonResponse("not json at all") }
            return jsonResponse(completion(answer(to: prompt)))
        }
        return router
    }

    /// The table.
    static func answer(to prompt: String) -> String {
        if prompt.contains("bad") { return "As an AI, I cannot help with that." }
        if let range = prompt.range(of: #"Customer: [A-Za-z]+"#, options: .regularExpression) {
            let name = prompt[range].dropFirst("Customer: ".count)
            return "Hello \(name), your order ships tomorrow."
        }
        return "Hello."
    }

    /// An OpenAI-style answer with one choice.
    static func completion(_ content: String) -> String {
        let object: [String: Any] = [
            "id": "chatcmpl-1", "object": "chat.completion",
            "choices": [["index": 0, "message": ["role": "assistant", "content": content], "finish_reason": "stop"]],
        ]
        return String(decoding: try! JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
}

/// Manifests for the evaluation tests, loaded with the real loader.
enum Fixtures {
    static let templates = """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: support-reply, namespace: support}
        spec:
          model: {name: llama3.1, parameters: {temperature: 0.2, maxTokens: 100}}
          inputs:
            customer_name: {type: string, required: true}
            ticket: {type: string, required: true}
          messages:
            - role: system
              content: You answer support tickets.
            - role: user
              content: "Customer: {{customer_name}}. Ticket: {{ticket}}"
          tests:
            - name: greets-ana
              vars: {customer_name: Ana, ticket: "Where is my order?"}
              assert:
                - {type: contains, value: Ana}
                - {type: not-contains, value: "As an AI"}
                - {type: max-length, value: 200}
            - name: greets-bo
              vars: {customer_name: Bo, ticket: "Can I pay later?"}
              assert:
                - {type: icontains, value: "hello bo"}
                - {type: latency-ms, value: 120000}
            - name: bad-ticket
              vars: {customer_name: Cy, ticket: "This is a bad ticket"}
              assert:
                - {type: not-contains, value: "As an AI"}
        ---
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: summary, namespace: support}
        spec:
          inputs:
            customer_name: {type: string, required: true}
          text: "Customer: {{customer_name}}. Summarize the ticket."
          tests:
            - name: names-customer
              vars: {customer_name: Di}
              assert:
                - {type: starts-with, value: "Hello Di"}
        """

    /// The `support` namespace compiled from ``templates``.
    static func namespace() throws -> CompiledNamespace {
        let set = ManifestLoader().load([ManifestFile(path: "templates.yaml", bytes: Array(templates.utf8))])
        guard !set.hasErrors else { throw FixtureError(message: set.diagnostics.map { "\($0)" }.joined(separator: "\n")) }
        return CompiledNamespace(namespace: "support", templates: set.templates(in: "support"))
    }

    /// The evaluation input for `template`, limited to the tests named (all when empty).
    static func input(_ template: String = "support-reply", tests names: [String] = []) throws -> EvaluationInput {
        let all = EvaluationInput(namespace: try namespace(), template: template)
        guard !names.isEmpty else { return all }
        return EvaluationInput(namespace: all.namespace, template: template,
                               tests: names.compactMap { name in all.tests.first { $0.name == name } })
    }

    /// One metric decoded with the real loader from a Deployment written around it.
    /// - Parameters:
    ///   - provider: the provider in YAML flow style, e.g. `{web: {url: "http://...", jsonPath: $.score}}`.
    ///   - range: `thresholdRange` in flow style, e.g. `{min: 0.8}`.
    static func metric(_ name: String, provider: String, range: String) throws -> Deployment.Metric {
        let yaml = """
            apiVersion: promptops.dev/v1alpha1
            kind: Deployment
            metadata: {name: support-reply-prod, namespace: support}
            spec:
              template: support-reply
              strategy: {type: Canary, canary: {steps: [{setWeight: 10}, {analysis: {}}]}}
              analysis:
                metrics:
                  - name: \(name)
                    provider: \(provider)
                    thresholdRange: \(range)
            """
        guard let metric = try metrics(yaml).first else { throw FixtureError(message: "no metric decoded") }
        return metric
    }

    /// Decodes one Deployment's metrics with the real loader.
    static func metrics(_ yaml: String) throws -> [Deployment.Metric] {
        let set = ManifestLoader().load([ManifestFile(path: "deployment.yaml", bytes: Array(yaml.utf8))])
        guard !set.hasErrors, let deployment = set.deployments.values.first, let analysis = deployment.analysis else {
            throw FixtureError(message: set.diagnostics.map { "\($0)" }.joined(separator: "\n"))
        }
        return analysis.metrics
    }

    struct FixtureError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
