import PromptOpsCore

/// Runs a template version's tests against a model: renders each test's `vars` under the
/// strict input contract, calls the model `repeats` times per test (at most
/// `maxConcurrentCalls` at once), scores every answer and reports the pass rate.
///
/// A test whose vars break the contract fails all its runs, with the contract error as the
/// reason. A failed model call (endpoint down, timeout, HTTP error, bad JSON) makes the whole
/// report a failure without pass rate: a canary is not judged on an outage. After the first
/// failed call no new call starts; the runs left are reported as skipped.
public struct EvaluationRunner: Sendable {
    /// The model to call; the template's `spec.model.parameters` fill what it leaves unset.
    public var client: ChatCompletionsClient
    /// Calls per test (at least 1).
    public var repeats: Int
    /// Calls in flight at once (at least 1).
    public var maxConcurrentCalls: Int
    /// Characters of output kept per run in the report.
    public var outputLimit: Int

    /// A runner calling `client`.
    public init(client: ChatCompletionsClient, repeats: Int = 1, maxConcurrentCalls: Int = 4, outputLimit: Int = 2000) {
        self.client = client
        self.repeats = max(repeats, 1)
        self.maxConcurrentCalls = max(maxConcurrentCalls, 1)
        self.outputLimit = max(outputLimit, 0)
    }

    /// One model call to make.
    private struct Job: Sendable {
        var test: Int
        var attempt: Int
        var prompt: RenderedPrompt
    }

    /// Runs every test of `input`.
    /// - Parameter threshold: the pass rate to report against (kept in the report).
    public func run(_ input: EvaluationInput, threshold: Double? = nil) async -> EvaluationReport {
        var configured = self.client
        configured.parameters.temperature = configured.parameters.temperature ?? input.parameters.temperature
        configured.parameters.maxTokens = configured.parameters.maxTokens ?? input.parameters.maxTokens
        let client = configured

        guard input.namespace.entries[input.template] != nil else {
            return EvaluationReport(
                template: input.template, namespace: input.namespace.namespace, endpoint: client.endpoint,
                model: client.model, repeats: repeats, tests: [], passRate: nil, threshold: threshold,
                failure: EvaluationReport.Failure(
                    code: "template-not-found",
                    message: "no PromptTemplate '\(input.template)' in namespace '\(input.namespace.namespace)'"))
        }
        var runs: [[EvaluationReport.Run?]] = input.tests.map { _ in Array(repeating: nil, count: repeats) }
        var jobs: [Job] = []
        for (t, test) in input.tests.enumerated() {
            switch input.namespace.render(input.template, values: test.vars) {
            case .success(let prompt):
                jobs += (1...repeats).map { Job(test: t, attempt: $0, prompt: prompt) }
            case .failure(let error):
                for a in 0..<repeats { runs[t][a] = failedRun(attempt: a + 1, error: "render failed: \(error)") }
            }
        }

        let tests = input.tests
        let limit = outputLimit
        let (firstFailure, failedCalls) = await ModelCalls.run(jobs, limit: maxConcurrentCalls, call: { job in
            await Self.call(client, job.prompt)
        }) { job, outcome in
            switch outcome {
            case .success(let completion):
                runs[job.test][job.attempt - 1] = Self.scoredRun(job.attempt, completion, tests[job.test], outputLimit: limit)
            case .failure(let error):
                runs[job.test][job.attempt - 1] = failedRun(attempt: job.attempt, error: "model call failed: \(error)")
            }
        }

        let skipped = runs.reduce(0) { $0 + $1.filter { $0 == nil }.count }
        let testReports = tests.enumerated().map { t, test in
            EvaluationReport.Test(name: test.name, threshold: test.threshold, runs: runs[t].enumerated().map {
                $1 ?? failedRun(attempt: $0 + 1, error: "skipped: an earlier model call failed")
            })
        }
        var failure: EvaluationReport.Failure?
        if let firstFailure {
            failure = EvaluationReport.Failure(
                code: "endpoint-failed",
                message: "\(failedCalls) of \(jobs.count) model call(s) failed"
                    + (skipped > 0 ? " (\(skipped) not attempted)" : "") + "; first: \(firstFailure)")
        }
        let total = testReports.reduce(0) { $0 + $1.runs.count }
        let passed = testReports.reduce(0) { $0 + $1.passedRuns }
        return EvaluationReport(
            template: input.template, namespace: input.namespace.namespace, endpoint: client.endpoint,
            model: client.model, repeats: repeats, tests: testReports,
            passRate: failure == nil && total > 0 ? Double(passed) / Double(total) : nil,
            threshold: threshold, failure: failure)
    }

    private static func call(
        _ client: ChatCompletionsClient, _ prompt: RenderedPrompt
    ) async -> Result<ChatCompletionsClient.Completion, EndpointError> {
        do { return .success(try await client.complete(prompt)) } catch { return .failure(error) }
    }

    private static func scoredRun(
        _ attempt: Int, _ completion: ChatCompletionsClient.Completion, _ test: PromptTemplate.Test, outputLimit: Int
    ) -> EvaluationReport.Run {
        let latencyMs = completion.latency.milliseconds
        let score = AssertionScorer.score(completion.content, against: test, latencyMs: latencyMs)
        let truncated = completion.content.count > outputLimit
        return EvaluationReport.Run(
            attempt: attempt, passed: score.passed, score: score.score, latencyMs: latencyMs,
            output: truncated ? String(completion.content.prefix(outputLimit)) : completion.content,
            outputTruncated: truncated, assertionResults: score.assertions, error: nil)
    }

    private func failedRun(attempt: Int, error: String) -> EvaluationReport.Run {
        EvaluationReport.Run(attempt: attempt, passed: false, score: 0, latencyMs: nil, output: nil,
                             outputTruncated: false, assertionResults: [], error: error)
    }
}
