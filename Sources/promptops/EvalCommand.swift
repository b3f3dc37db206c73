import ArgumentParser
import Foundation
import PromptOpsAnalysis
import PromptOpsCore

/// `promptops eval PATH --template NAME [--namespace NS] --endpoint URL --model M ...`
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Run a template's tests against an OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, Ollama, llama.cpp).",
        discussion: "Exit 0 when the pass rate reaches the threshold, 1 below it, 3 when the endpoint fails.")

    /// Output formats.
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A file or folder holding manifests.")
    var path: String

    @Option(help: "The PromptTemplate whose tests run.")
    var template: String

    @Option(help: "Its namespace.")
    var namespace: String = "default"

    @Option(help: "Base URL of the endpoint, e.g. http://127.0.0.1:11434/v1.")
    var endpoint: String

    @Option(help: "The model name.")
    var model: String

    @Option(help: "Runs per test.")
    var repeats: Int = 1

    @Option(help: "Environment variable holding the API key (sent as a Bearer token).")
    var apiKeyEnv: String?

    @Option(help: "Pass rate needed (0…1).")
    var threshold: Double = 1.0

    @Option(help: "Per-call timeout: 500ms, 30s, 5m.")
    var timeout: String = "60s"

    @Option(help: "Output format: text or json.")
    var format: Format = .text

    func validate() throws {
        guard (0...1).contains(threshold) else { throw ValidationError("--threshold must be between 0 and 1") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        guard Duration.parse(timeout) != nil else { throw ValidationError("--timeout '\(timeout)' is not a duration") }
    }

    func run() async throws {
        _ = global.logger("promptops.eval")
        let compiled = try TemplateLookup.compiled(path: path, namespace: namespace, template: template)
        let entry = compiled.entries[template]!
        if entry.template.tests.isEmpty { throw CommandExit.invalid("error: PromptTemplate '\(template)' has no tests") }

        let httpClient = MetricRunner.makeHTTPClient()
        let client = ChatCompletionsClient(httpClient: httpClient, endpoint: endpoint, model: model,
                                           apiKey: apiKeyEnv.flatMap { ProcessInfo.processInfo.environment[$0] },
                                           timeout: Duration.parse(timeout)!)
        let report = await EvaluationRunner(client: client, repeats: repeats)
            .run(EvaluationInput(namespace: compiled, template: template), threshold: threshold)
        try? await httpClient.shutdown()
        print(format == .json ? report.json : report.text, terminator: "")
        if let failure = report.failure { throw CommandExit.environment("error: \(failure)") }
        if !report.meetsThreshold { throw CommandExit.invalid() }
    }
}
