import Foundation

/// One metric's result in one measurement round, as recorded in a rollout's analysis.
public struct MetricMeasurement: Codable, Sendable, Equatable {
    /// The metric's name (`spec.analysis.metrics[].name`).
    public let metric: String
    /// The measured value; nil when there was none or it was not finite (JSON cannot hold NaN).
    public let value: Double?
    /// The judgement.
    public let verdict: MeasurementVerdict
    /// What a person should know: the provider's error, why the result is inconclusive.
    public let message: String?
    /// When it was measured.
    public let at: Date
    /// The comparative judge's round and standing (metric `judge` only).
    public let judge: JudgeReport?

    /// Creates a measurement with an explicit verdict. A non-finite value is stored as nil and
    /// noted in the message, so the state can always be encoded as JSON.
    public init(metric: String, value: Double?, verdict: MeasurementVerdict, message: String? = nil, at: Date, judge: JudgeReport? = nil) {
        self.metric = metric
        self.verdict = verdict
        self.at = at
        self.judge = judge
        if let value, !value.isFinite {
            self.value = nil
            self.message = message ?? "non-finite value \(value)"
        } else {
            self.value = value
            self.message = message
        }
    }

    /// Creates a measurement judged against the metric's threshold range.
    public init(metric: Deployment.Metric, value: Double?, message: String? = nil, at: Date) {
        self.init(
            metric: metric.name, value: value,
            verdict: MeasurementVerdict.verdict(value: value, min: metric.min, max: metric.max),
            message: message, at: at)
    }

    /// A provider failure for `metric`.
    public static func error(metric: String, message: String, at: Date) -> MetricMeasurement {
        MetricMeasurement(metric: metric, value: nil, verdict: .error, message: message, at: at)
    }

    /// The measurement with its judge report's per-test breakdown dropped (kept: the round's
    /// runs and the standing).
    var withoutBreakdown: MetricMeasurement {
        guard var report = judge else { return self }
        report.tests = []
        return MetricMeasurement(metric: metric, value: value, verdict: verdict, message: message, at: at, judge: report)
    }
}
