import Foundation

/// Judges a canary against the stable version on the same tests, round after round, with the
/// error rates a Deployment states (`analysis.judge`, api-v1alpha1.md).
///
/// Each round runs every test the same number of times against both versions; the i-th run of
/// a test on stable is paired with its i-th run on canary, and each pair gives
/// d = canary − stable ∈ {−1, 0, 1} (pairing takes the tests' difficulty out of the
/// comparison). Δ, the mean of d, is how many points of pass rate the canary gains. Two
/// sequential tests by betting (``BettingTest``) take x = (d + 1) / 2 against the boundary
/// Δ = −margin, i.e. x = (1 − margin) / 2:
///
/// - **RollBack** when "Δ ≥ −margin" is rejected at `falseRollback`: a canary that is not worse
///   by more than the margin is rolled back with probability at most `falseRollback`, however
///   often the judge looks;
/// - **Promote** when "Δ ≤ −margin" is rejected at `missedRegression`: a canary worse by more
///   than the margin is promoted with probability at most `missedRegression`;
/// - **Inconclusive** when `maxSamples` pairs are used without either: a person decides
///   (never a silent promote); the round that reaches `maxSamples` is used whole;
///
/// Rounds should hold every test the same number of times: the error rates are about the
/// average over pairs, which is the average over tests only then (runs without a partner are
/// dropped).
/// - otherwise continue.
///
/// The interval shown to people is a confidence sequence on the pairs' (λ-weighted) average;
/// it is evidence, not the decision rule.
public struct ComparativeJudge: Sendable, Equatable {
    /// What the Deployment states.
    public struct Settings: Sendable, Equatable {
        /// "Worse" means worse by more than this many points of pass rate (0.02: 2 points).
        public var margin: Double
        /// The chance of rolling back a canary that is not worse by more than `margin`.
        public var falseRollback: Double
        /// The chance of promoting a canary that is worse by more than `margin`.
        public var missedRegression: Double
        /// Pairs per arm before the judge gives up (Inconclusive).
        public var maxSamples: Int

        public init(margin: Double = 0.02, falseRollback: Double = 0.01, missedRegression: Double = 0.05, maxSamples: Int = 3000) {
            self.margin = margin
            self.falseRollback = falseRollback
            self.missedRegression = missedRegression
            self.maxSamples = maxSamples
        }
    }

    /// The judge's word after a round.
    public enum Decision: String, Sendable, Equatable {
        case rollBack = "RollBack"
        case promote = "Promote"
        case `continue` = "Continue"
        case inconclusive = "Inconclusive"
    }

    /// One test's runs in one round.
    public struct Runs: Sendable, Equatable {
        public var test: String
        /// Pass (true) or fail of each run on the stable version.
        public var stable: [Bool]
        /// Pass or fail of each run on the canary, as many as on stable.
        public var canary: [Bool]

        public init(test: String, stable: [Bool], canary: [Bool]) {
            self.test = test
            self.stable = stable
            self.canary = canary
        }
    }

    /// Pass counts of one test over all rounds, for people to read.
    public struct Evidence: Sendable, Equatable {
        public var test: String
        public var runs = 0
        public var stablePassed = 0
        public var canaryPassed = 0

        /// Points of pass rate the canary gains on this test (negative: it loses).
        public var difference: Double { runs == 0 ? 0 : Double(canaryPassed - stablePassed) / Double(runs) }
    }

    public let settings: Settings
    private var rollBackTest: BettingTest
    private var promoteTest: BettingTest
    /// Anytime-valid bounds on Δ, for people to read (the decisions come from the tests).
    private var lower: ConfidenceBound
    private var upper: ConfidenceBound
    /// Per test, in the order first seen.
    public private(set) var evidence: [Evidence] = []
    /// The decision after the latest round (Continue before any).
    public private(set) var decision = Decision.continue

    /// A judge with `settings`, brought into range (error rates in (0, ½], margin in [0, 1),
    /// at least one sample): the manifest and the command line refuse what is out of range,
    /// and the judge never computes with it.
    public init(_ settings: Settings) {
        var settings = settings
        settings.falseRollback = min(max(settings.falseRollback, 1e-12), 0.5)
        settings.missedRegression = min(max(settings.missedRegression, 1e-12), 0.5)
        settings.margin = min(max(settings.margin, 0), 0.999)
        settings.maxSamples = max(settings.maxSamples, 1)
        self.settings = settings
        let boundary = (1 - settings.margin) / 2
        rollBackTest = BettingTest(null: .atLeast, boundary: boundary, alpha: settings.falseRollback)
        promoteTest = BettingTest(null: .atMost, boundary: boundary, alpha: settings.missedRegression)
        lower = ConfidenceBound(side: .lower, alpha: settings.missedRegression)
        upper = ConfidenceBound(side: .upper, alpha: settings.falseRollback)
    }

    /// Pairs used so far (per arm).
    public var samples: Int { lower.count }

    /// An anytime-valid interval on Δ (canary − stable, in pass-rate units) at this point:
    /// lower bound at `missedRegression`, upper at `falseRollback` (evidence for people; the
    /// decisions come from the tests, which need fewer samples for the one boundary).
    public var interval: (lower: Double, upper: Double) { (2 * lower.bound - 1, 2 * upper.bound - 1) }

    /// The mean difference observed so far.
    public var observedDifference: Double {
        let runs = evidence.reduce(0) { $0 + $1.runs }
        return runs == 0 ? 0 : Double(evidence.reduce(0) { $0 + $1.canaryPassed - $1.stablePassed }) / Double(runs)
    }

    /// Adds a round and decides. Once decided (anything but Continue) later rounds change nothing.
    @discardableResult
    public mutating func add(_ round: [Runs]) -> Decision {
        guard decision == .continue else { return decision }
        var values: [Double] = []
        for runs in round {
            let pairs = min(runs.stable.count, runs.canary.count)
            guard pairs > 0 else { continue }
            let index: Int
            if let i = evidence.firstIndex(where: { $0.test == runs.test }) { index = i } else {
                evidence.append(Evidence(test: runs.test))
                index = evidence.count - 1
            }
            for j in 0..<pairs {
                let d = (runs.canary[j] ? 1.0 : 0.0) - (runs.stable[j] ? 1.0 : 0.0)
                values.append((d + 1) / 2)
                lower.add((d + 1) / 2)
                upper.add((d + 1) / 2)
                evidence[index].runs += 1
                if runs.stable[j] { evidence[index].stablePassed += 1 }
                if runs.canary[j] { evidence[index].canaryPassed += 1 }
            }
        }
        // The whole round at once: the tests' average is what the error rates are about.
        rollBackTest.add(round: values)
        promoteTest.add(round: values)
        if rollBackTest.rejected {
            decision = .rollBack
        } else if promoteTest.rejected {
            decision = .promote
        } else if samples >= settings.maxSamples {
            decision = .inconclusive
        }
        return decision
    }
}
