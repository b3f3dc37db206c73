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

    /// Creates a run of `analysis`: its metrics and, when set, its judge (tallied last).
    public init(startedAt: Date, analysis: Deployment.Analysis) {
        self.init(startedAt: startedAt, metrics: analysis.metrics + (analysis.judge.map { [$0.metric] } ?? []))
    }

    /// Every measurement of the run, round after round.
    public var measurements: [MetricMeasurement] { rounds.flatMap { $0 } }

    /// The judge's latest standing (nil before its first judged round).
    public var judgeReport: JudgeReport? {
        for round in rounds.reversed() {
            if let report = round.last(where: { $0.metric == Deployment.Judge.metricName && $0.judge != nil })?.judge,
               report.samples > 0 || report.decision != ComparativeJudge.Decision.continue.rawValue {
                return report
            }
        }
        return nil
    }

    /// The judge's decision so far (Continue before any round).
    var judgeDecision: ComparativeJudge.Decision {
        judgeReport.flatMap { ComparativeJudge.Decision(rawValue: $0.decision) } ?? .continue
    }

    /// What the next round measures: the threshold metrics in the first `count` rounds, and
    /// the judge until it decides.
    func due(_ config: Deployment.Analysis) -> [Deployment.Metric] {
        var out = rounds.count < max(config.count, 1) ? config.metrics : []
        if let judge = config.judge, judgeDecision == .continue { out.append(judge.metric) }
        return out
    }

    /// The judge with every recorded round replayed into it.
    func replayedJudge(_ settings: ComparativeJudge.Settings) -> ComparativeJudge {
        var judge = ComparativeJudge(settings)
        for round in rounds {
            for m in round where m.metric == Deployment.Judge.metricName && m.verdict != .error {
                if let report = m.judge { judge.add(report.round.map(\.judgeRuns)) }
            }
        }
        return judge
    }

    /// Records one round: one measurement per metric due (``due(_:)``, computed before the
    /// round), in metric order. A metric without a result counts as a provider error; results
    /// for metrics not due are dropped. The judge's round is fed to the judge (replayed from
    /// the earlier rounds) and stored with its standing.
    mutating func record(_ results: [MetricMeasurement], config: Deployment.Analysis, now: Date) {
        let due = due(config)
        var round: [MetricMeasurement] = []
        for metric in due {
            var m = results.first { $0.metric == metric.name }
                ?? .error(metric: metric.name, message: "no result in this round", at: now)
            if case .comparative(let spec) = metric.provider, m.verdict != .error {
                m = judged(m, settings: spec.settings)
                // Only the latest judged round keeps the per-test breakdown (it sums up the
                // rounds before it): the saved state grows by a round's runs, not its history.
                if m.judge != nil { dropBreakdowns() }
            }
            round.append(m)
            if let i = tallies.firstIndex(where: { $0.metric == metric.name }) { tallies[i].add(m.verdict) }
        }
        rounds.append(round)
        awaitedRound = nil
    }

    private mutating func dropBreakdowns() {
        for r in rounds.indices {
            for m in rounds[r].indices where rounds[r][m].judge.map({ !$0.tests.isEmpty }) ?? false {
                rounds[r][m] = rounds[r][m].withoutBreakdown
            }
        }
    }

    /// A judge round's measurement with the judge's standing after it: the value is the
    /// observed difference, the verdict Failed for RollBack, Successful for Promote and
    /// Inconclusive while undecided or at the budget.
    private func judged(_ m: MetricMeasurement, settings: ComparativeJudge.Settings) -> MetricMeasurement {
        guard let report = m.judge else {
            return .error(metric: m.metric, message: "judge: the provider returned no runs", at: m.at)
        }
        var judge = replayedJudge(settings)
        judge.add(report.round.map(\.judgeRuns))
        let standing = report.judged(by: judge)
        let verdict: MeasurementVerdict = switch judge.decision {
        case .rollBack: .failed
        case .promote: .successful
        case .continue, .inconclusive: .inconclusive
        }
        return MetricMeasurement(metric: m.metric, value: standing.difference, verdict: verdict,
                                 message: "judge: " + standing.summary, at: m.at, judge: standing)
    }

    /// Judges the run after its latest round. A failure of any metric, or the judge's
    /// RollBack, wins over a pause.
    func assess(_ config: Deployment.Analysis) -> Assessment {
        let judgeName = config.judge == nil ? nil : Deployment.Judge.metricName
        let metricTallies = tallies.filter { $0.metric != judgeName }
        let decision = judgeDecision
        if decision == .rollBack, let report = judgeReport {
            return .failed(reason: "the judge found the canary worse than stable by more than \(JudgePlan.points(report.margin)) point(s): \(report.summary)")
        }
        if let t = metricTallies.first(where: { $0.failed > config.failureLimit }) {
            return .failed(reason: "metric \(t.metric) failed \(t.failed) time(s), more than failureLimit \(config.failureLimit)\(lastValue(of: t.metric))")
        }
        if decision == .inconclusive, let report = judgeReport {
            return .paused(reason: "the judge is inconclusive after \(report.samples) pair(s) (maxSamples \(report.maxSamples)): \(report.summary); promote to continue or abort to roll back")
        }
        if let t = metricTallies.first(where: { $0.inconclusive > config.inconclusiveLimit }) {
            return .paused(reason: "metric \(t.metric) was inconclusive \(t.inconclusive) time(s), more than inconclusiveLimit \(config.inconclusiveLimit); promote to continue or abort to roll back")
        }
        if let t = tallies.first(where: { $0.consecutiveErrors > config.consecutiveErrorLimit }) {
            return .paused(reason: "metric \(t.metric) provider failed \(t.consecutiveErrors) time(s) in a row, more than consecutiveErrorLimit \(config.consecutiveErrorLimit)\(lastMessage(of: t.metric)); promote to continue or abort to roll back")
        }
        if !config.metrics.isEmpty {
            guard rounds.count >= max(config.count, 1) else { return .running }
            // Tolerated inconclusive results or errors must not add up to a pass without evidence.
            if let t = metricTallies.first(where: { $0.successful == 0 }) {
                return .paused(reason: "metric \(t.metric) had no successful measurement in \(rounds.count) round(s); promote to continue or abort to roll back")
            }
        }
        if config.judge != nil && decision != .promote { return .running }
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
