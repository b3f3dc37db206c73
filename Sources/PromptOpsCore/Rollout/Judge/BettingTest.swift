import Foundation

/// A sequential test of one side of a mean, by betting (Waudby-Smith and Ramdas, "Estimating
/// means of bounded random variables by betting", JRSS B 2023, §4; Shafer and Vovk's testing
/// by betting): for observations in [0, 1] and the null hypothesis "the mean is at least m"
/// (or "at most m"), the wealth
///
///     K_t = Π (1 − λᵢ (xᵢ − m))        (null: mean ≥ m; bets that it is lower)
///     K_t = Π (1 + λᵢ (xᵢ − m))        (null: mean ≤ m; bets that it is higher)
///
/// with each λᵢ ≥ 0 fixed before xᵢ's round is seen, is a nonnegative supermartingale at round
/// ends under the null (see ``add(round:)``),
/// so by Ville's inequality it ever reaches 1/α with probability at most α: the null is
/// rejected at that moment, at any stopping time, with error at most α. λᵢ is the
/// growth-rate-adaptive bet (GRAPA, ibid. §5.1): (the estimated distance of the mean from m) /
/// (estimated variance + distance²), clipped to half the largest bet that keeps every factor
/// positive. It bets nothing while the data point the other way.
///
/// Why a test and not a confidence bound: a bound is valid for every candidate mean at once;
/// a judge needs one boundary (−margin), and the test for that one boundary reaches the same
/// error rates with fewer samples (an independent simulation of both: a canary 5 points worse
/// rolled back ~85 % of the time within 3,000 pairs by the tests, 63–66 % by the bounds).
public struct BettingTest: Sendable, Equatable {
    /// Which null hypothesis is tested.
    public enum Null: Sendable, Equatable {
        /// The mean is at least the boundary (rejected: it is lower).
        case atLeast
        /// The mean is at most the boundary (rejected: it is higher).
        case atMost
    }

    public let null: Null
    public let boundary: Double
    public let alpha: Double
    /// Observations so far.
    public private(set) var count = 0
    /// log K_t.
    public private(set) var logWealth = 0.0
    /// Whether the wealth has reached 1/α (the null is rejected, for good).
    public private(set) var rejected = false
    private var sum = 0.0
    private var sumSquaredDeviation = 0.0
    private var mean = 0.5
    private var variance = 0.25

    public init(null: Null, boundary: Double, alpha: Double) {
        self.null = null
        self.boundary = min(max(boundary, 0), 1)
        self.alpha = alpha
    }

    /// Adds one round of observations in [0, 1] (clamped), all bet on with the same λ (chosen
    /// from the rounds before), and checks the wealth at the round's end only.
    ///
    /// Why by rounds: the judge's null is about the average over tests, and a round holds
    /// every test the same number of times, while single pairs have their own test's mean. With
    /// one λ for the round, the round's factor has expectation Πⱼ (1 ∓ λ(μⱼ − m)) ≤
    /// exp(∓λ Σⱼ (μⱼ − m)) ≤ 1 whenever the tests' average is in the null, so the wealth at
    /// round ends is a supermartingale. Checked after every pair instead, a canary better on
    /// the first tests of a round and worse on the rest was promoted 10–38 % of the time at a
    /// stated 5 % (found by review, simulated).
    public mutating func add(round values: [Double]) {
        guard !values.isEmpty else { return }
        // The distance the data suggest, in the direction the test bets on.
        let distance = null == .atLeast ? boundary - mean : mean - boundary
        let limit = null == .atLeast ? 1 / max(1 - boundary, 1e-9) : 1 / max(boundary, 1e-9)
        // The first round has nothing to estimate from: a moderate bet (a quarter of the
        // largest safe one) rather than none, so a clear regression can be caught in round one.
        let lambda = count == 0 ? limit / 4 : (distance <= 0 ? 0 : min(distance / (variance + distance * distance), limit / 2))
        for value in values {
            let x = min(max(value, 0), 1)
            logWealth += log(null == .atLeast ? 1 - lambda * (x - boundary) : 1 + lambda * (x - boundary))
            count += 1
            let t = Double(count)
            sum += x
            mean = (0.5 + sum) / (t + 1)
            sumSquaredDeviation += (x - mean) * (x - mean)
            variance = (0.25 + sumSquaredDeviation) / (t + 1)
        }
        if logWealth >= log(1 / alpha) { rejected = true }
    }
}
