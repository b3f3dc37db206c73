import Foundation

/// One analysis run of a canary: the rounds measured so far, a tally per metric, and when the
/// next measurement is due.
///
/// Limits apply per metric, as in Argo Rollouts: a metric breaches when its failed
/// measurements exceed `failureLimit`, its inconclusive ones exceed `inconclusiveLimit`, or its
/// errors in a row exceed `consecutiveErrorLimit`. Every round counts toward `count`, whatever
/// its verdicts.
public struct AnalysisRun: Codable, Sendable, Equatable {
    /// The verdicts of one metric so far.
    public struct Tally: Codable, Sendable, Equatable {
        /// The metric's name.
        public var metric: String
        /// Successful measurements.
        public var successful = 0
        /// Failed measurements.
        public var failed = 0
        /// Inconclusive measurements.
        public var inconclusive = 0
        /// Provider errors in total.
        public var errors = 0
        /// Provider errors since the last non-error measurement.
        public var consecutiveErrors = 0

        /// An empty tally for `metric`.
        public init(metric: String) { self.metric = metric }

        mutating func add(_ verdict: MeasurementVerdict) {
            switch verdict {
            case .successful: successful += 1
            case .failed: failed += 1
            case .inconclusive: inconclusive += 1
            case .error: errors += 1
            }
            consecutiveErrors = verdict == .error ? consecutiveErrors + 1 : 0
        }
    }

    /// Where a run stands after a round.
    enum Assessment: Equatable {
        case running
        case succeeded
        /// A metric failed more often than tolerated: roll back.
        case failed(reason: String)
        /// Inconclusive or erroring beyond a limit, or no success at all: wait for a person.
        case paused(reason: String)
    }

    /// When the run started (its first measurement was requested then).
    public internal(set) var startedAt: Date
    /// The completed rounds, one measurement per metric each, in metric order.
    public internal(set) var rounds: [[MetricMeasurement]] = []
    /// One tally per metric, in metric order.
    public internal(set) var tallies: [Tally]
    /// The request id (`round` of ``RolloutAction/measure(metrics:round:)``) whose results are
    /// awaited; nil between rounds.
    public internal(set) var awaitedRound: Int?
    /// When the next round is due — or, while one is awaited, when it is requested again.
    public internal(set) var nextMeasurementAt: Date

    /// Creates a run with nothing measured yet.
    public init(startedAt: Date, metrics: [Deployment.Metric]) {
        self.startedAt = startedAt
        self.tallies = metrics.map { Tally(metric: $0.name) }
        self.nextMeasurementAt = startedAt
    }

    /// Every measurement of the run, round after round.
    public var measurements: [MetricMeasurement] { rounds.flatMap { $0 } }

    /// Records one round: one measurement per configured metric, in metric order. A metric
    /// without a result counts as a provider error; results for unknown metrics are dropped.
    mutating func record(_ results: [MetricMeasurement], metrics: [Deployment.Metric], now: Date) {
        var round: [MetricMeasurement] = []
        for (i, metric) in metrics.enumerated() {
            let m = results.first { $0.metric == metric.name }
                ?? .error(metric: metric.name, message: "no result in this round", at: now)
            round.append(m)
            if i < tallies.count { tallies[i].add(m.verdict) }
        }
        rounds.append(round)
        awaitedRound = nil
    }

    /// Judges the run after its latest round. A failure of any metric wins over a pause.
    func assess(_ config: Deployment.Analysis) -> Assessment {
        if let t = tallies.first(where: { $0.failed > config.failureLimit }) {
            return .failed(reason: "metric \(t.metric) failed \(t.failed) time(s), more than failureLimit \(config.failureLimit)\(lastValue(of: t.metric))")
        }
        if let t = tallies.first(where: { $0.inconclusive > config.inconclusiveLimit }) {
            return .paused(reason: "metric \(t.metric) was inconclusive \(t.inconclusive) time(s), more than inconclusiveLimit \(config.inconclusiveLimit); promote to continue or abort to roll back")
        }
        if let t = tallies.first(where: { $0.consecutiveErrors > config.consecutiveErrorLimit }) {
            return .paused(reason: "metric \(t.metric) provider failed \(t.consecutiveErrors) time(s) in a row, more than consecutiveErrorLimit \(config.consecutiveErrorLimit)\(lastMessage(of: t.metric)); promote to continue or abort to roll back")
        }
        guard rounds.count >= max(config.count, 1) else { return .running }
        // Tolerated inconclusive results or errors must not add up to a pass without evidence.
        if let t = tallies.first(where: { $0.successful == 0 }) {
            return .paused(reason: "metric \(t.metric) had no successful measurement in \(rounds.count) round(s); promote to continue or abort to roll back")
        }
        return .succeeded
    }

    private func lastValue(of metric: String) -> String {
        guard let m = measurements.last(where: { $0.metric == metric && $0.verdict == .failed }), let v = m.value
        else { return "" }
        return " (last failed value \(v))"
    }

    private func lastMessage(of metric: String) -> String {
        guard let message = measurements.last(where: { $0.metric == metric })?.message else { return "" }
        return " (\(message))"
    }
}
