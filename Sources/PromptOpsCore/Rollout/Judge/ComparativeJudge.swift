import Foundation

/// Judges a canary against the stable version on the same tests, round after round, with the
/// error rates a Deployment states (`analysis.judge`, api-v1alpha1.md).
///
/// Each round runs every test the same number of times against both versions; the i-th run of
/// a test on stable is paired with its i-th run on canary, and each pair gives
/// d = canary − stable ∈ {−1, 0, 1} (pairing takes the tests' difficulty out of the
/// comparison). Δ, the mean of d, is how many points of pass rate the canary gains.
///
/// The decision rule is a **group-sequential test with error spending** (Lan and DeMets,
/// Biometrika 1983; Jennison and Turnbull, "Group Sequential Methods", 2000): after every round
/// Tango's paired score statistic Z at Δ = −margin (``GroupSequentialBoundary/pairedScore(worse:better:pairs:margin:)``)
/// is compared with two critical values that depend only on the pairs used so far as a share
/// of `maxSamples` (``GroupSequentialBoundary``), never on the data:
///
/// - **RollBack** when Z is below the lower one: a canary not worse by more than the margin is
///   rolled back with probability at most `falseRollback`, however many rounds the judge looks at;
/// - **Promote** when Z is above the upper one: a canary worse by more than the margin is
///   promoted with probability at most `missedRegression`;
/// - **Inconclusive** when `maxSamples` pairs are used without either: a person decides (never
///   a silent promote); the round that reaches `maxSamples` is used whole;
/// - otherwise continue.
///
/// Why this and not an always-valid test (betting, mixture SPRT): the budget is known, and a
/// test that may spend its whole error rate by `maxSamples` needs far fewer pairs there. The
/// betting judge this replaces caught a canary 5 points worse within 3,000 pairs 85 % of the
/// time; this one 96 % (`hack/bench/judge`), keeping equal canaries' rollbacks below 1 %. The
/// price: its guarantee rests on the normal approximation of the score (the bench measures the
/// actual rates, including at Δ = −margin exactly, with tests that differ, and round sizes
/// that vary).
///
/// Rounds should hold every test the same number of times: the error rates are about the
/// average over pairs, which is the average over tests only then (runs without a partner are
/// dropped).
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
    private var boundary: GroupSequentialBoundary
    /// Pairs used at each look so far (the key of the shared boundary cache).
    private var looks: [Int] = []
    private var cache: BoundaryCache.Reference
    /// Pairs where only stable passed (d = −1) and where only the canary passed (d = +1).
    public private(set) var worse = 0
    public private(set) var better = 0
    /// Pairs used so far (per arm).
    public private(set) var samples = 0
    /// The interval as of the last tested round (see ``interval``).
    private var lastInterval: Interval?
    /// Z after the latest round.
    public private(set) var score = 0.0
    /// Per test, in the order first seen.
    public private(set) var evidence: [Evidence] = []
    /// The decision after the latest round (Continue before any).
    public private(set) var decision = Decision.continue

    /// A judge with `settings`, brought into range (error rates in (0, ½], margin in [0, 1),
    /// at least one sample): the manifest and the command line refuse what is out of range,
    /// and the judge never computes with it.
    /// - Parameter cache: boundaries computed once for judges that see the same round sizes
    ///   (simulations); a cache made for other settings is not used.
    public init(_ settings: Settings, cache: BoundaryCache? = nil) {
        var settings = settings
        settings.falseRollback = min(max(settings.falseRollback.isNaN ? 0.01 : settings.falseRollback, 1e-12), 0.5)
        settings.missedRegression = min(max(settings.missedRegression.isNaN ? 0.05 : settings.missedRegression, 1e-12), 0.5)
        settings.margin = min(max(settings.margin.isNaN ? 0 : settings.margin, 0), 0.999)
        settings.maxSamples = max(settings.maxSamples, 1)
        self.settings = settings
        boundary = GroupSequentialBoundary(
            lowerAlpha: settings.falseRollback, upperAlpha: settings.missedRegression,
            lowerSpending: .rollBack(maxSamples: settings.maxSamples), upperSpending: .promote)
        self.cache = .init(cache: cache?.settings == settings ? cache : nil)
    }

    /// An interval on Δ.
    struct Interval: Sendable, Equatable {
        var lower: Double
        var upper: Double
    }

    /// The interval the decision reads, on Δ (canary − stable, in pass-rate units), as of the
    /// last round the test looked at: the observed difference then ± that round's critical
    /// values × the standard error at the margin. Its upper end is below −margin exactly when
    /// the judge rolled back there, its lower end above −margin exactly when it promoted.
    /// (A round too small to be tested — see ``GroupSequentialBoundary`` — leaves it as it was.)
    /// (−1, 1) before a tested round.
    public var interval: (lower: Double, upper: Double) {
        guard let i = lastInterval else { return (-1, 1) }
        return (i.lower, i.upper)
    }

    /// The interval at the current data and the critical values of a tested look.
    private func interval(lower criticalLower: Double, upper criticalUpper: Double) -> Interval {
        let d = observedDifference, shift = d + settings.margin
        // Z = (Δ̂ + margin) / se, so se = (Δ̂ + margin) / Z; with Z = 0 (Δ̂ on the margin) no
        // finite interval excludes −margin, and (−1, 1) says as much.
        guard abs(score) > 1e-12, case let se = shift / score, se.isFinite, se > 0 else { return Interval(lower: -1, upper: 1) }
        let low = criticalUpper.isFinite ? d - criticalUpper * se : -1
        let high = criticalLower.isFinite ? d + criticalLower * se : 1
        return Interval(lower: max(low, -1), upper: min(high, 1))
    }

    /// The mean difference observed so far.
    public var observedDifference: Double {
        samples == 0 ? 0 : Double(better - worse) / Double(samples)
    }

    /// Adds a round and decides. Once decided (anything but Continue) later rounds change nothing.
    @discardableResult
    public mutating func add(_ round: [Runs]) -> Decision {
        guard decision == .continue else { return decision }
        var added = 0
        for runs in round {
            let pairs = min(runs.stable.count, runs.canary.count)
            guard pairs > 0 else { continue }
            let index: Int
            if let i = evidence.firstIndex(where: { $0.test == runs.test }) { index = i } else {
                evidence.append(Evidence(test: runs.test))
                index = evidence.count - 1
            }
            for j in 0..<pairs {
                switch (runs.stable[j], runs.canary[j]) {
                case (true, false): worse += 1
                case (false, true): better += 1
                default: break
                }
                evidence[index].runs += 1
                if runs.stable[j] { evidence[index].stablePassed += 1 }
                if runs.canary[j] { evidence[index].canaryPassed += 1 }
            }
            added += pairs
        }
        guard added > 0 else { return decision }
        samples += added
        // One look per round, at the round's end: the rounds' average is what the rates are about.
        looks.append(samples)
        let look: (lower: Double, upper: Double)
        if let hit = cache.cache?.look(looks) {
            boundary = hit.boundary
            look = (hit.lower, hit.upper)
        } else {
            look = boundary.addLook(information: min(Double(samples) / Double(settings.maxSamples), 1))
            cache.cache?.store(looks, .init(boundary: boundary, lower: look.lower, upper: look.upper))
        }
        score = GroupSequentialBoundary.pairedScore(worse: worse, better: better, pairs: samples, margin: settings.margin)
        let freedom = Double(samples - 1)
        let lower = GroupSequentialBoundary.studentCritical(look.lower, degreesOfFreedom: freedom)
        let upper = GroupSequentialBoundary.studentCritical(look.upper, degreesOfFreedom: freedom)
        if lower.isFinite || upper.isFinite { lastInterval = interval(lower: lower, upper: upper) }
        if score <= -lower {
            decision = .rollBack
        } else if score >= upper {
            decision = .promote
        } else if samples >= settings.maxSamples {
            decision = .inconclusive
        }
        return decision
    }
}

/// Group-sequential boundaries shared by judges with the same settings that see the same
/// round sizes: a simulation of thousands of canaries computes each look's boundary once.
/// (A boundary depends only on the pairs used at each look, never on the data.)
public final class BoundaryCache: @unchecked Sendable {
    struct Look {
        var boundary: GroupSequentialBoundary
        var lower: Double
        var upper: Double
    }

    /// Compares equal to any other, so a judge's equality is about its evidence alone.
    struct Reference: Sendable, Equatable {
        let cache: BoundaryCache?
        static func == (_: Reference, _: Reference) -> Bool { true }
    }

    /// The settings (brought into range, as the judge does) the cache serves.
    public let settings: ComparativeJudge.Settings
    private let lock = NSLock()
    private var looks: [[Int]: Look] = [:]

    /// A cache for judges with `settings`.
    public init(_ settings: ComparativeJudge.Settings) {
        self.settings = ComparativeJudge(settings).settings
    }

    func look(_ key: [Int]) -> Look? { lock.withLock { looks[key] } }

    func store(_ key: [Int], _ look: Look) {
        lock.withLock {
            // Bounded: a simulation's schedules are few; a stray caller cannot grow it forever.
            if looks.count > 100_000 { looks.removeAll() }
            looks[key] = look
        }
    }
}
