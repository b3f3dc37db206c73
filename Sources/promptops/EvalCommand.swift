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
    var path: String?

    @Option(help: "The PromptTemplate whose tests run.")
    var template: String?

    @Option(help: "Its namespace.")
    var namespace: String = "default"

    @Option(help: "Base URL of the endpoint, e.g. http://127.0.0.1:11434/v1.")
    var endpoint: String?

    @Option(help: "The model name.")
    var model: String?

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

    @Flag(help: "Plan a comparative judge instead of running tests: how many pairs its decisions take (no endpoint needed).")
    var plan = false

    @Option(help: "With --plan: 'worse' means worse by more than this (0.02: 2 points of pass rate).")
    var margin: Double = 0.02

    @Option(help: "With --plan: the chance of rolling back a canary that is not worse.")
    var falseRollback: Double = 0.01

    @Option(help: "With --plan: the chance of promoting a canary worse by more than the margin.")
    var missedRegression: Double = 0.05

    @Option(help: "With --plan: pairs per arm before the judge says Inconclusive.")
    var maxSamples: Int = 3000

    @Option(help: "With --plan: the stable version's pass rate.")
    var passRate: Double = 0.9

    @Option(help: "With --plan: tests per round (runs per test: --repeats).")
    var tests: Int = 10

    @Option(help: "With --plan: canary minus stable pass rate to plan for (repeatable; a negative one as --difference=-0.05; default: +0.03, 0, -0.05, -0.10, -0.20).")
    var difference: [Double] = []

    func validate() throws {
        if plan {
            guard margin > 0, margin < 1 else { throw ValidationError("--margin must be between 0 and 1") }
            for (name, value) in [("--false-rollback", falseRollback), ("--missed-regression", missedRegression)] where !(value > 0 && value < 0.5) {
                throw ValidationError("\(name) must be between 0 and 0.5")
            }
            guard (0...1).contains(passRate) else { throw ValidationError("--pass-rate must be between 0 and 1") }
            guard (1...100_000).contains(maxSamples) else { throw ValidationError("--max-samples must be between 1 and 100000") }
            guard (1...1000).contains(tests), (1...100).contains(repeats) else { throw ValidationError("--tests must be 1…1000 and --repeats 1…100") }
            for d in difference where !(-1...1).contains(d) { throw ValidationError("--difference must be between -1 and 1") }
            return
        }
        guard path != nil else { throw ValidationError("a path holding manifests is required (or --plan)") }
        for (name, value) in [("--template", template), ("--endpoint", endpoint), ("--model", model)] where value == nil {
            throw ValidationError("\(name) is required (or --plan)")
        }
        guard (0...1).contains(threshold) else { throw ValidationError("--threshold must be between 0 and 1") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1") }
        guard Duration.parse(timeout) != nil else { throw ValidationError("--timeout '\(timeout)' is not a duration") }
    }

    func run() async throws {
        _ = global.logger("promptops.eval")
        if plan { return printPlan() }
        guard let path, let template, let endpoint, let model else { return }
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

    /// `--plan`: per planned difference, the fixed-sample size with the same error rates and
    /// the judge simulated over 2,000 canaries of that kind (seeded: the same output every run).
    private func printPlan() {
        let settings = ComparativeJudge.Settings(margin: margin, falseRollback: falseRollback,
                                                 missedRegression: missedRegression, maxSamples: maxSamples)
        let differences = difference.isEmpty ? [0.03, 0, -0.05, -0.10, -0.20] : difference
        var rows: [(Double, Int?, JudgePlan.Outcome)] = []
        for d in differences {
            let canary = min(max(passRate + d, 0), 1)
            rows.append((d, JudgePlan.fixedSamples(settings, stable: passRate, canary: canary),
                         JudgePlan.simulate(settings, stable: passRate, canary: canary, tests: tests, repeats: repeats)))
        }
        func pct(_ n: Int, _ of: Int) -> Double { (100 * Double(n) / Double(max(of, 1)) * 10).rounded() / 10 }
        if format == .json {
            let items = rows.map { d, fixed, o in
                "{\"difference\":\(d),\"fixedSamples\":\(fixed.map(String.init) ?? "null"),\"rolledBack\":\(pct(o.rolledBack, o.trials)),"
                    + "\"promoted\":\(pct(o.promoted, o.trials)),\"inconclusive\":\(pct(o.inconclusive, o.trials)),"
                    + "\"medianSamples\":\(o.medianSamples),\"p95Samples\":\(o.p95Samples)}"
            }
            print("{\"margin\":\(margin),\"falseRollback\":\(falseRollback),\"missedRegression\":\(missedRegression),"
                  + "\"maxSamples\":\(maxSamples),\"passRate\":\(passRate),\"tests\":\(tests),\"repeats\":\(repeats),\"plan\":[\(items.joined(separator: ","))]}")
            return
        }
        print("comparative judge: margin \(margin), falseRollback \(falseRollback), missedRegression \(missedRegression), "
              + "maxSamples \(maxSamples) pairs per arm; stable passes \(passRate); \(tests) tests × \(repeats) runs per round")
        print("difference  fixed-sample pairs  rolled back  promoted  inconclusive  pairs used (median / p95)")
        for (d, fixed, o) in rows {
            let label = String(format: "%+.3f", d)
            func column(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
            print(column(label, 12) + column(fixed.map(String.init) ?? "-", 20) + column("\(pct(o.rolledBack, o.trials))%", 13)
                  + column("\(pct(o.promoted, o.trials))%", 10) + column("\(pct(o.inconclusive, o.trials))%", 14)
                  + "\(o.medianSamples) / \(o.p95Samples)")
        }
        // What the budget cannot reach: a canary worse by more than the margin should be rolled
        // back, at least 1 − missedRegression of the time.
        for (d, _, o) in rows where d < -margin && Double(o.rolledBack) < (1 - missedRegression) * Double(o.trials) {
            print("warning: a canary \(String(format: "%.0f", -d * 100)) points worse is rolled back only \(pct(o.rolledBack, o.trials))% of the time within \(maxSamples) pairs; "
                  + "raise --max-samples or --margin")
        }
    }
}
