import AsyncHTTPClient
import Foundation
import Logging
import PromptOpsCore

/// The one entry point for measuring a Deployment's analysis metrics: picks the provider of
/// each metric and turns every outcome, failures included, into a ``MetricMeasurement``.
///
/// Never throws: a provider failure is a measurement with verdict `error` and a message.
public struct MetricRunner: Sendable {
    /// The HTTP client every provider uses. Not owned: whoever created it shuts it down.
    public let httpClient: HTTPClient
    private let evaluation: EvaluationProvider
    private let prometheus: PrometheusProvider
    private let web: WebProvider
    private let logger: Logger

    /// A runner over `httpClient`.
    /// - Parameters:
    ///   - httpClient: shared by all providers; the caller shuts it down after the last measure.
    ///   - secrets: the values evaluation metrics may name with `secretRef`, per namespace.
    ///   - maxConcurrentCalls: model calls in flight at once, per evaluation.
    ///   - logger: receives one line per measurement (debug) or provider error (warning).
    public init(
        httpClient: HTTPClient, secrets: ProviderSecrets = ProviderSecrets(),
        maxConcurrentCalls: Int = 4, logger: Logger = Logger(label: "promptops.analysis")
    ) {
        self.httpClient = httpClient
        self.evaluation = EvaluationProvider(httpClient: httpClient, secrets: secrets, maxConcurrentCalls: maxConcurrentCalls)
        self.prometheus = PrometheusProvider(httpClient: httpClient)
        self.web = WebProvider(httpClient: httpClient)
        self.logger = logger
    }

    /// A new HTTP client for a runner, on the shared NIO event loop group, that fails a request
    /// at once when the connection is refused instead of retrying until the timeout.
    ///
    /// The caller owns it: `try await client.shutdown()` once no measurement is running (the
    /// controller on its way out, a CLI command before it exits).
    public static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        // A provider URL is checked where it is written; a redirect could send the request
        // (and its credential) anywhere, so none is followed.
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Measures one metric at `now` (the controller's clock; stored as the measurement's time).
    /// - Parameter evaluation: the canary version and its tests; needed by evaluation metrics only.
    /// - Parameter stable: the stable version, with the canary's tests; needed by the judge only.
    public func measure(_ metric: Deployment.Metric, evaluation input: EvaluationInput?, stable: EvaluationInput? = nil, now: Date) async -> MetricMeasurement {
        let result: MetricMeasurement
        switch metric.provider {
        case .evaluation: result = await evaluation.measure(metric, input: input, now: now)
        case .comparative(let judge): result = await evaluation.compare(judge, stable: stable, canary: input, now: now)
        case .prometheus: result = await prometheus.measure(metric, now: now)
        case .web: result = await web.measure(metric, now: now)
        }
        let metadata: Logger.Metadata = [
            "metric": "\(metric.name)", "verdict": "\(result.verdict.rawValue)",
            "value": "\(result.value.map { String($0) } ?? "none")",
        ]
        if result.verdict == .error {
            logger.warning("metric provider failed: \(result.message ?? "")", metadata: metadata)
        } else {
            logger.debug("measured: \(result.message ?? "")", metadata: metadata)
        }
        return result
    }

    /// Measures every metric concurrently; the results come in the order of `metrics`.
    public func measure(_ metrics: [Deployment.Metric], evaluation input: EvaluationInput?, now: Date) async -> [MetricMeasurement] {
        await withTaskGroup(of: (Int, MetricMeasurement).self) { group in
            for (i, metric) in metrics.enumerated() {
                group.addTask { (i, await measure(metric, evaluation: input, now: now)) }
            }
            var results = [MetricMeasurement?](repeating: nil, count: metrics.count)
            for await (i, m) in group { results[i] = m }
            return results.enumerated().map { i, m in
                m ?? .error(metric: metrics[i].name, message: "no result", at: now)
            }
        }
    }
}
