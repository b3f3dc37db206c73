import PromptOpsCore

/// One round of the comparative judge: the canary version's tests run against the model for
/// both the stable and the canary version, interleaved (for each test and run, stable then
/// canary, so drift of the endpoint over the round hits both arms alike), the same number of
/// times, and each run scored by the tests' assertions.
///
/// Each version renders with its own `spec.model.parameters` (as it is served); both call the
/// judge's model. A test that does not render on one version (its inputs changed) cannot be
/// compared: it is left out of the round and named in ``JudgeReport/skipped``. A call that
/// fails transiently (a dropped connection, 429, 5xx) is tried once more; a call that still
/// fails fails the whole round (the judge is not fed an outage); no new call starts after it.
public struct ComparativeRunner: Sendable {
    /// The judge's endpoint and model.
    public var client: ChatCompletionsClient
    /// Runs per test and version (at least 1).
    public var repeats: Int
    /// Calls in flight at once (at least 1).
    public var maxConcurrentCalls: Int

    /// A runner calling `client`.
    public init(client: ChatCompletionsClient, repeats: Int, maxConcurrentCalls: Int = 4) {
        self.client = client
        self.repeats = max(repeats, 1)
        self.maxConcurrentCalls = max(maxConcurrentCalls, 1)
    }

    /// Why a round produced nothing to judge.
    public struct Failure: Error, Sendable, Equatable {
        public var message: String
    }

    private struct Job: Sendable {
        var test: Int
        var attempt: Int
        var canary: Bool
        var prompt: RenderedPrompt
        var client: ChatCompletionsClient
    }

    /// Runs one round: the canary's tests on both versions.
    public func run(stable: EvaluationInput, canary: EvaluationInput) async -> Result<JudgeReport, Failure> {
        let tests = canary.tests
        guard !tests.isEmpty else {
            return .failure(Failure(message: "template \(canary.template) has no tests to compare"))
        }
        let stableClient = configured(for: stable), canaryClient = configured(for: canary)
        var jobs: [Job] = []
        var skipped: [String] = []
        var compared: [Int] = []
        for (t, test) in tests.enumerated() {
            switch (stable.namespace.render(stable.template, values: test.vars), canary.namespace.render(canary.template, values: test.vars)) {
            case (.success(let s), .success(let c)):
                compared.append(t)
                for a in 0..<repeats {
                    jobs.append(Job(test: t, attempt: a, canary: false, prompt: s, client: stableClient))
                    jobs.append(Job(test: t, attempt: a, canary: true, prompt: c, client: canaryClient))
                }
            case (.failure(let error), _):
                skipped.append("\(test.name) (does not render on stable: \(error))")
            case (_, .failure(let error)):
                skipped.append("\(test.name) (does not render on canary: \(error))")
            }
        }
        guard !jobs.isEmpty else {
            return .failure(Failure(message: "no test renders on both versions: " + skipped.prefix(3).joined(separator: "; ")))
        }

        var passed: [Int: (stable: [Bool], canary: [Bool])] = [:]
        for t in compared { passed[t] = (Array(repeating: false, count: repeats), Array(repeating: false, count: repeats)) }
        let (firstFailure, failedCalls) = await ModelCalls.run(jobs, limit: maxConcurrentCalls, call: Self.call) { job, outcome in
            guard case .success(let completion) = outcome else { return }
            let score = AssertionScorer.score(completion.content, against: tests[job.test], latencyMs: completion.latency.milliseconds)
            if job.canary { passed[job.test]?.canary[job.attempt] = score.passed } else { passed[job.test]?.stable[job.attempt] = score.passed }
        }
        if let firstFailure {
            return .failure(Failure(message: "\(failedCalls) of \(jobs.count) model call(s) failed; first: \(firstFailure)"))
        }
        let round = compared.map { t in
            JudgeReport.Runs(test: tests[t].name, stable: passed[t]?.stable ?? [], canary: passed[t]?.canary ?? [])
        }
        return .success(JudgeReport(round: round, skipped: skipped))
    }

    /// The judge's client with a version's own parameters filling what it leaves unset.
    private func configured(for input: EvaluationInput) -> ChatCompletionsClient {
        var c = client
        c.parameters.temperature = c.parameters.temperature ?? input.parameters.temperature
        c.parameters.maxTokens = c.parameters.maxTokens ?? input.parameters.maxTokens
        return c
    }

    /// One call, tried again once after a transient failure (the connection dropped, a 429 or a
    /// 5xx): a round is hundreds of calls, and one blip should not cost the whole round. A
    /// timeout, a refused endpoint or a bad answer is not retried.
    private static func call(_ job: Job) async -> Result<ChatCompletionsClient.Completion, EndpointError> {
        do { return .success(try await job.client.complete(job.prompt)) } catch {
            guard isTransient(error) else { return .failure(error) }
            try? await Task.sleep(for: .milliseconds(200))
            do { return .success(try await job.client.complete(job.prompt)) } catch { return .failure(error) }
        }
    }

    static func isTransient(_ error: EndpointError) -> Bool {
        switch error {
        case .httpStatus(_, let status): return status == 429 || (500...599).contains(status)
        case .connectionFailed(_, let reason): return !reason.localizedCaseInsensitiveContains("refused")
        case .invalidEndpoint, .timedOut, .badResponse: return false
        }
    }
}
