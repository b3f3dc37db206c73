import AsyncHTTPClient
import Foundation
import PromptOpsCore

/// Measures a metric by running the canary version's tests against a model endpoint: the
/// value is the pass rate, judged by the metric's threshold range.
///
/// No tests → Inconclusive; a failed model call (endpoint down, timeout, ...) → Error.
public struct EvaluationProvider: Sendable {
    private let httpClient: HTTPClient
    private let secrets: ProviderSecrets
    private let maxConcurrentCalls: Int

    /// A provider using `httpClient` (its owner shuts it down).
    /// - Parameters:
    ///   - secrets: the values a metric's `secretRef` may name, per namespace.
    ///   - maxConcurrentCalls: model calls in flight at once, per measurement.
    public init(httpClient: HTTPClient, secrets: ProviderSecrets = ProviderSecrets(), maxConcurrentCalls: Int = 4) {
        self.httpClient = httpClient
        self.secrets = secrets
        self.maxConcurrentCalls = maxConcurrentCalls
    }

    /// The runner for an `evaluation` provider's settings.
    public func runner(endpoint: String, model: String, apiKey: String?, repeats: Int, timeout: Duration) -> EvaluationRunner {
        let client = ChatCompletionsClient(httpClient: httpClient, endpoint: endpoint, model: model, apiKey: apiKey, timeout: timeout)
        return EvaluationRunner(client: client, repeats: repeats, maxConcurrentCalls: maxConcurrentCalls)
    }

    /// Runs the evaluation `metric` describes on `input`; nil when `metric` is not an evaluation.
    public func evaluate(_ metric: Deployment.Metric, input: EvaluationInput) async -> EvaluationReport? {
        guard case .evaluation(let endpoint, let model, let secretRef, let repeats, let timeout) = metric.provider
        else { return nil }
        let key = secretRef.flatMap { secrets.value($0, for: input.namespace.namespace) }
        return await runner(endpoint: endpoint, model: model, apiKey: key, repeats: repeats, timeout: timeout)
            .run(input, threshold: metric.min)
    }

    /// Measures `metric` (an `evaluation` provider) on `input` at `now`.
    public func measure(_ metric: Deployment.Metric, input: EvaluationInput?, now: Date) async -> MetricMeasurement {
        guard let input else {
            return .error(metric: metric.name, message: "evaluation: no template version to evaluate", at: now)
        }
        guard let report = await evaluate(metric, input: input) else {
            return .error(metric: metric.name, message: "not an evaluation metric", at: now)
        }
        return Self.measurement(of: report, metric: metric, now: now)
    }

    /// One round of the comparative judge: the canary's tests on both versions. The
    /// measurement carries the round's runs (``JudgeReport``) and no verdict of its own yet:
    /// the analysis feeds the runs to the judge and stores its standing. Any failure (no
    /// version to compare, no tests, a failed model call) is an Error measurement.
    public func compare(_ judge: Deployment.Judge, stable: EvaluationInput?, canary: EvaluationInput?, now: Date) async -> MetricMeasurement {
        let name = Deployment.Judge.metricName
        guard let stable, let canary else {
            return .error(metric: name, message: "judge: the \(stable == nil ? "stable" : "canary") version could not be loaded", at: now)
        }
        let key = judge.secretRef.flatMap { secrets.value($0, for: canary.namespace.namespace) }
        let client = ChatCompletionsClient(httpClient: httpClient, endpoint: judge.endpoint, model: judge.model, apiKey: key, timeout: judge.timeout)
        switch await ComparativeRunner(client: client, repeats: judge.repeats, maxConcurrentCalls: maxConcurrentCalls).run(stable: stable, canary: canary) {
        case .success(let report):
            let pairs = report.round.reduce(0) { $0 + min($1.stable.count, $1.canary.count) }
            return MetricMeasurement(metric: name, value: nil, verdict: .inconclusive,
                                     message: "judge: \(pairs) pair(s) run on \(report.round.count) test(s) (model \(judge.model))", at: now, judge: report)
        case .failure(let failure):
            return .error(metric: name, message: "judge: \(failure.message)", at: now)
        }
    }

    /// The measurement an evaluation report amounts to.
    public static func measurement(of report: EvaluationReport, metric: Deployment.Metric, now: Date) -> MetricMeasurement {
        if let failure = report.failure {
            return .error(metric: metric.name, message: "evaluation: \(failure.message)", at: now)
        }
        guard let passRate = report.passRate else {
            return MetricMeasurement(metric: metric.name, value: nil, verdict: .inconclusive,
                                     message: "evaluation: template \(report.template) has no tests", at: now)
        }
        var message = "evaluation: \(report.passedRuns) of \(report.totalRuns) runs passed (model \(report.model))"
        let failing = report.tests.filter { $0.passedRuns < $0.runs.count }
        if !failing.isEmpty {
            message += "; failing: " + failing.prefix(5).map { test in
                let reason = test.runs.first { !$0.passed }.flatMap { run in
                    run.error ?? run.assertionResults.first { !$0.passed }?.reason
                }
                return "\(test.name) \(test.passedRuns)/\(test.runs.count)" + (reason.map { " (\($0))" } ?? "")
            }.joined(separator: ", ")
        }
        return MetricMeasurement(metric: metric, value: passRate, message: message, at: now)
    }
}
