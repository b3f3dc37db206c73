import Foundation

/// What one round of the comparative judge adds to a measurement (metric `judge`): the
/// round's raw runs, and the judge's standing after it — decision, pairs used, the observed
/// difference with its interval, and the per-test breakdown so far.
///
/// The raw runs are the judge's whole input: the analysis replays every round's runs into a
/// fresh ``ComparativeJudge`` (it is deterministic), so the persisted rollout state needs no
/// copy of the judge's internals, and a restarted controller decides exactly as before.
public struct JudgeReport: Codable, Sendable, Equatable {
    /// One test's runs in one round: "1" for a pass, "0" for a fail, in run order; the i-th
    /// run on stable is paired with the i-th on canary.
    public struct Runs: Codable, Sendable, Equatable {
        public var test: String
        public var stable: String
        public var canary: String

        public init(test: String, stable: [Bool], canary: [Bool]) {
            self.test = test
            self.stable = String(stable.map { $0 ? "1" : "0" })
            self.canary = String(canary.map { $0 ? "1" : "0" })
        }

        /// As the judge takes them (anything but "1" is a fail).
        public var judgeRuns: ComparativeJudge.Runs {
            .init(test: test, stable: stable.map { $0 == "1" }, canary: canary.map { $0 == "1" })
        }
    }

    /// One test's pass counts over all rounds so far.
    public struct Test: Codable, Sendable, Equatable {
        public var test: String
        /// Pairs (runs per version).
        public var runs: Int
        public var stablePassed: Int
        public var canaryPassed: Int
        /// Canary minus stable pass rate on this test.
        public var difference: Double
    }

    /// This round's runs.
    public var round: [Runs]
    /// Tests of this round left out because they could not run on both versions, with why.
    public var skipped: [String]
    /// RollBack, Promote, Continue or Inconclusive after this round.
    public var decision: String
    /// Pairs used so far (per version).
    public var samples: Int
    /// Canary minus stable pass rate over all pairs so far.
    public var difference: Double
    /// The interval the decision reads (see ``ComparativeJudge/interval``).
    public var lower: Double
    public var upper: Double
    /// The judge's settings, for reading the numbers.
    public var margin: Double
    public var maxSamples: Int
    /// Per test, the most regressed first.
    public var tests: [Test]

    /// A report holding only a round's runs, before the judge has seen it (what a provider
    /// returns; ``AnalysisRun`` fills in the rest).
    public init(round: [Runs], skipped: [String] = []) {
        self.round = round
        self.skipped = skipped
        decision = ComparativeJudge.Decision.continue.rawValue
        samples = 0
        difference = 0
        lower = -1
        upper = 1
        margin = 0
        maxSamples = 0
        tests = []
    }

    /// This round's report with the judge's standing after it.
    public func judged(by judge: ComparativeJudge) -> JudgeReport {
        var out = self
        out.decision = judge.decision.rawValue
        out.samples = judge.samples
        out.difference = judge.observedDifference
        let interval = judge.interval
        out.lower = max(interval.lower, -1)
        out.upper = min(interval.upper, 1)
        out.margin = judge.settings.margin
        out.maxSamples = judge.settings.maxSamples
        out.tests = judge.evidence
            .map { Test(test: $0.test, runs: $0.runs, stablePassed: $0.stablePassed, canaryPassed: $0.canaryPassed, difference: $0.difference) }
            .sorted { ($0.difference, $0.test) < ($1.difference, $1.test) }
        return out
    }

    /// One line for people: the difference, its interval and the most regressed tests.
    public var summary: String {
        var s = "\(decision): canary - stable \(Self.signed(difference)) points (interval \(Self.signed(lower)) to \(Self.signed(upper))) "
            + "over \(samples) pair(s), margin \(JudgePlan.points(margin)) points"
        let worse = tests.filter { $0.difference < 0 }.prefix(3)
        if !worse.isEmpty {
            s += "; most regressed: " + worse.map {
                "\($0.test) \(Self.signed($0.difference)) (\($0.canaryPassed)/\($0.runs) vs \($0.stablePassed)/\($0.runs))"
            }.joined(separator: ", ")
        }
        if !skipped.isEmpty { s += "; not compared: " + skipped.prefix(3).joined(separator: ", ") }
        return s
    }

    /// A difference in points with its sign: -0.051 → "-5.1".
    static func signed(_ difference: Double) -> String {
        let p = (difference * 1000).rounded() / 10
        let text = p == p.rounded() ? String(Int(abs(p))) : String(abs(p))
        return (p < 0 ? "-" : "+") + text
    }
}
