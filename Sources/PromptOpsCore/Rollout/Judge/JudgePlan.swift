import Foundation

/// Sample-size planning for the comparative judge: how many pairs a decision takes for a
/// canary that differs from stable by a given amount, by the normal approximation for a
/// fixed-sample test and by simulating the judge itself (seeded, so the same answer every time).
public enum JudgePlan {
    /// What the judge does over many simulated canaries of one kind.
    public struct Outcome: Sendable, Equatable {
        public var trials: Int
        public var rolledBack: Int
        public var promoted: Int
        public var inconclusive: Int
        /// Pairs per arm used to reach the decision: median and 95th percentile.
        public var medianSamples: Int
        public var p95Samples: Int
    }

    /// Pairs a fixed-sample one-sided test needs to tell Δ = −margin from `canary − stable`
    /// with the judge's two error rates: (z₁₋α + z₁₋β)² σ² / (Δ + margin)², σ² the variance
    /// of one pair's difference. Nil when the canary sits on the margin (no size suffices).
    public static func fixedSamples(_ settings: ComparativeJudge.Settings, stable: Double, canary: Double) -> Int? {
        let delta = canary - stable
        let distance = abs(delta + settings.margin)
        guard distance > 1e-9 else { return nil }
        let variance = canary * (1 - canary) + stable * (1 - stable)
        let z = normalQuantile(1 - settings.falseRollback) + normalQuantile(1 - settings.missedRegression)
        let size = (z * z * variance / (distance * distance)).rounded(.up)
        // Settings a manifest brings are checked, but nothing here may trap on what slips by.
        guard size.isFinite else { return nil }
        return Int(min(max(size, 0), 1e12))
    }

    /// The judge run `trials` times on canaries whose tests pass with `canary` where stable's
    /// pass with `stable`, `tests` tests × `repeats` runs per round.
    public static func simulate(_ settings: ComparativeJudge.Settings, stable: Double, canary: Double,
                                tests: Int = 10, repeats: Int = 3, trials: Int = 2000, seed: UInt64 = 7) -> Outcome {
        var random = SeededRandom(seed: seed)
        var outcome = Outcome(trials: trials, rolledBack: 0, promoted: 0, inconclusive: 0, medianSamples: 0, p95Samples: 0)
        var used: [Int] = []
        used.reserveCapacity(trials)
        let cache = BoundaryCache(settings)
        for _ in 0..<trials {
            var judge = ComparativeJudge(settings, cache: cache)
            while judge.decision == .continue {
                judge.add((0..<max(tests, 1)).map { t in
                    .init(test: "t\(t)", stable: (0..<max(repeats, 1)).map { _ in random.chance(stable) },
                          canary: (0..<max(repeats, 1)).map { _ in random.chance(canary) })
                })
            }
            switch judge.decision {
            case .rollBack: outcome.rolledBack += 1
            case .promote: outcome.promoted += 1
            case .inconclusive: outcome.inconclusive += 1
            case .continue: break
            }
            used.append(judge.samples)
        }
        used.sort()
        outcome.medianSamples = used.isEmpty ? 0 : used[used.count / 2]
        outcome.p95Samples = used.isEmpty ? 0 : used[min(used.count - 1, Int(Double(used.count - 1) * 0.95))]
        return outcome
    }

    /// A pass-rate difference in points, for messages: 0.02 → "2", 0.025 → "2.5".
    public static func points(_ difference: Double) -> String {
        let p = (difference * 1000).rounded() / 10
        return p == p.rounded() ? String(Int(p)) : String(p)
    }

    /// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
    public static func normalQuantile(_ p: Double) -> Double {
        let a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690, -30.66479806614716, 2.506628277459239]
        let b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155211071]
        let c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]
        let d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
        let p = min(max(p, 1e-15), 1 - 1e-15)
        if p < 0.02425 {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - 0.02425 { return -normalQuantile(1 - p) }
        let q = p - 0.5, r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }
}

/// A seeded generator (SplitMix64) for simulations that must give the same answer every run.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
