import Foundation

/// Critical values of a group-sequential test with two boundaries on one statistic, computed look
/// by look from the look sizes alone (never from the data), so a judge replayed from stored rounds
/// gets the same boundaries every time.
///
/// The statistic Z_k (standard normal at the null value, e.g. ``pairedScore(worse:better:pairs:margin:)``
/// at Δ = −margin) is compared after each look with two critical values: the lower null ("the
/// mean is at least the null value") is rejected when Z_k ≤ −lower_k, the upper null ("at most")
/// when Z_k ≥ upper_k. Each side spends its error rate over the information fraction
/// t = n / maxSamples by a spending function (Lan and DeMets, "Discrete sequential boundaries for
/// clinical trials", Biometrika 1983): at each look the critical value is the one whose chance of
/// being crossed there first, at the null and not stopped before, is what the spending function
/// allows since the previous look. However many looks there are and whatever their sizes, each side's
/// error is its rate (for a statistic that is normal with independent increments, as sums over
/// rounds are for large n; to the grid's accuracy), and all of it is spent by t = 1.
///
/// The chances come from the Armitage–McPherson–Rowe recursion ("Repeated significance tests on
/// accumulating data", JRSS A 1969): the sub-density of Z_k on the region where the test has not
/// stopped is carried from look to look on a grid (after Jennison and Turnbull, "Group Sequential
/// Methods with Applications to Clinical Trials", 2000, §19.2; see `grid(low:high:r:)`) with
/// Simpson's rule, and each critical value is found by Newton's method from the previous one. With
/// r = 16 a look has about 110–160 points, and costs at most one exponential per pair of points of
/// consecutive looks (pairs beyond 12.6 kernel standard deviations are skipped) and a few Newton
/// steps over the band of points near the boundary: 100 looks of 30 pairs out of 3,000 take about
/// 0.8 million exponentials and 34,000 `erfc`, a few milliseconds. Critical values are within
/// 3·10⁻⁴ of a grid four times finer, for steps down to 0.001 of the information.
///
/// Both sides are computed on one continuation region (a path that stopped at one boundary cannot
/// cross the other later), which is exact because both boundaries stop the test.
///
/// A look is tested when it adds at least `minimumStep` of information since the last tested look,
/// or (the first look, and while the budget is large next to the rounds) at least a tenth of the
/// information so far; otherwise, or when it leaves less than `minimumStep` before t = 1, it is not
/// tested (both critical values infinite) and its information counts towards the next one. The look
/// that reaches t = 1 is always tested. Either way the next boundary's kernel, of width √(step / t)
/// in Z, stays several grid spacings wide (a far smaller step would make it narrower than the grid's
/// spacing); the tested looks number at most 1 / `minimumStep` plus a logarithmic start, so a large
/// `maxSamples` does not delay the first looks; and which looks are tested depends only on the look
/// sizes.
public struct GroupSequentialBoundary: Sendable, Equatable {
    /// How a side's error rate is spent over the information fraction t ∈ [0, 1]: the share
    ///
    ///     w · min(t / τ, 1)^ρ + (1 − w) · (1 − e^(−γt)) / (1 − e^(−γ))      (γ = 0: t)
    ///
    /// of it by t. The second part is the Hwang–Shih–DeCani family (Statistics in Medicine 1990;
    /// γ = −4 is close to O'Brien–Fleming, γ = 1 to Pocock); the first spends a share w within an
    /// early window τ, so that a large difference is caught within a few rounds while most of the rest
    /// is kept for the end, where a small difference needs it.
    public struct Spending: Sendable, Equatable {
        /// w: the share spent within the early window.
        public let earlyShare: Double
        /// τ: the early window, as a fraction of the information.
        public let earlyWindow: Double
        /// ρ: how the early share is spent within the window (larger: later in it).
        public let earlyPower: Double
        /// γ of the Hwang–Shih–DeCani part.
        public let gamma: Double

        /// A spending function brought into range (w in [0, 1], τ in (0, 1], ρ in [0.01, 100],
        /// γ in [−40, 40]; what is not a number takes the default).
        public init(earlyShare: Double = 0, earlyWindow: Double = 1, earlyPower: Double = 1, gamma: Double = 0) {
            self.earlyShare = earlyShare.isNaN ? 0 : min(max(earlyShare, 0), 1)
            self.earlyWindow = earlyWindow.isNaN ? 1 : min(max(earlyWindow, 1e-6), 1)
            self.earlyPower = earlyPower.isNaN ? 1 : min(max(earlyPower, 0.01), 100)
            self.gamma = gamma.isNaN ? 0 : min(max(gamma, -40), 40)
        }

        /// The Hwang–Shih–DeCani family alone.
        public static func hwangShihDeCani(_ gamma: Double) -> Spending { Spending(gamma: gamma) }

        /// Rolling back: 60 % of the rate within the first 180 pairs (the early window, as a fraction
        /// of `maxSamples`; all of the information when that is smaller), spent mostly towards the
        /// window's end (ρ = 3), the rest O'Brien–Fleming-like (γ = −6). Chosen by simulation
        /// (JudgeBench's scenarios, 10 tests × 3 runs a round, ``pairedScore(worse:better:pairs:margin:)``
        /// against t critical values): a canary 20 points worse than 95 % is rolled back within 200
        /// pairs ~99.2 % of the time, 5 points worse within 3,000 ~96 %; spending more early buys the
        /// first and costs the second. The window is in pairs, not a fraction, because a large
        /// regression should be caught within the same few rounds whatever `maxSamples` is.
        public static func rollBack(maxSamples: Int) -> Spending {
            Spending(earlyShare: 0.6, earlyWindow: min(180 / Double(max(maxSamples, 1)), 1), earlyPower: 3, gamma: -6)
        }
        /// Promoting: spent in proportion to the information (γ = 0).
        public static let promote = Spending.hwangShihDeCani(0)

        /// The share of the error rate spent by information `t` (0 at 0, 1 at 1, nondecreasing).
        public func fraction(at information: Double) -> Double {
            guard !information.isNaN else { return 0 }
            let t = min(max(information, 0), 1)
            let early = pow(min(t / earlyWindow, 1), earlyPower)
            let rest = abs(gamma) < 1e-9 ? t : expm1(-gamma * t) / expm1(-gamma)
            return min(max(earlyShare * early + (1 - earlyShare) * rest, 0), 1)
        }
    }

    /// A critical value that cannot be crossed (the look is not tested, or nothing is spent there).
    public static let never = Double.infinity

    /// The lower side's error rate (rejecting "the mean is at least the null value").
    public let lowerAlpha: Double
    /// The upper side's error rate (rejecting "the mean is at most the null value").
    public let upperAlpha: Double
    public let lowerSpending: Spending
    public let upperSpending: Spending
    /// r of the grid (10r − 1 points before trimming and midpoints; spacing 1.5 / r in the middle).
    public let gridSize: Int
    /// Looks adding less information than this since the last tested look, or leaving less before 1,
    /// are not tested (the one reaching 1 always is).
    public let minimumStep: Double
    /// The information fraction of the last tested look (0 before any).
    public private(set) var information = 0.0
    /// The error spent so far on each side (at the null, as computed on the grid).
    public private(set) var lowerSpent = 0.0
    public private(set) var upperSpent = 0.0
    /// Looks tested so far.
    public private(set) var looks = 0
    /// Z values of the grid at the last tested look, inside its continuation region.
    private var points: [Double] = []
    /// Simpson weight × sub-density of Z (not stopped so far) at those points.
    private var weighted: [Double] = []
    /// The last finite critical values (where the next search starts; nil before any).
    private var lastLower: Double?
    private var lastUpper: Double?

    /// Boundaries beyond this many standard deviations are not searched (a side would never spend there).
    private static let cap = 40.0
    /// Half-width of the grid's uniform part, in standard deviations of Z.
    private static let uniform = 6.0
    private static let inverseSqrt2Pi = 1 / (2 * Double.pi).squareRoot()

    /// Boundaries with error rates brought into [10⁻¹², ½], the grid's r into [2, 64] and the
    /// minimum step into [0, 1] (what is not a number takes the default).
    public init(lowerAlpha: Double, upperAlpha: Double, lowerSpending: Spending, upperSpending: Spending,
                gridSize: Int = 16, minimumStep: Double = 0.005) {
        self.lowerAlpha = lowerAlpha.isNaN ? 0.01 : min(max(lowerAlpha, 1e-12), 0.5)
        self.upperAlpha = upperAlpha.isNaN ? 0.05 : min(max(upperAlpha, 1e-12), 0.5)
        self.lowerSpending = lowerSpending
        self.upperSpending = upperSpending
        self.gridSize = min(max(gridSize, 2), 64)
        self.minimumStep = minimumStep.isNaN ? 0.005 : min(max(minimumStep, 0), 1)
    }

    /// The critical values for a look at information fraction `newInformation` (n / maxSamples;
    /// clamped to [0, 1]): reject the lower null when Z ≤ −lower, the upper null when Z ≥ upper.
    /// Both are ``never`` when the look adds no information, adds less than `minimumStep` or leaves
    /// less than that before 1 (and does not reach 1), or comes after every path has stopped. Looks
    /// come in order (an earlier one adds nothing); the state changes only when a look is tested.
    public mutating func addLook(information newInformation: Double) -> (lower: Double, upper: Double) {
        guard !newInformation.isNaN else { return (Self.never, Self.never) }
        let t = min(max(newInformation, 0), 1)
        let step = t - information
        // Tested when it adds `minimumStep` of the budget, or (early, with a large budget) a
        // tenth of the information so far: the kernel's width √(step / t) stays several grid
        // spacings wide either way, and a large regression is looked at within the first
        // rounds whatever `maxSamples` is.
        let enough = step >= minimumStep || (looks == 0 ? step > 0 : step >= 0.1 * information)
        guard step > 0, t >= 1 || (enough && 1 - t >= minimumStep) else { return (Self.never, Self.never) }
        guard looks == 0 || !points.isEmpty else { return (Self.never, Self.never) }
        let lowerTarget = lowerAlpha * lowerSpending.fraction(at: t) - lowerSpent
        let upperTarget = upperAlpha * upperSpending.fraction(at: t) - upperSpent
        let (lower, lowerMass) = solve(.lower, target: lowerTarget, at: t, from: lastLower)
        let (upper, upperMass) = solve(.upper, target: upperTarget, at: t, from: lastUpper)
        lowerSpent += lowerMass
        upperSpent += upperMass
        if lower.isFinite { lastLower = lower }
        if upper.isFinite { lastUpper = upper }
        // The sub-density on the new continuation region (−lower, upper).
        let (grid, weights) = Self.grid(low: -lower, high: upper, r: gridSize)
        var next = [Double](repeating: 0, count: grid.count)
        if looks == 0 {
            for i in grid.indices {
                next[i] = weights[i] * exp(-0.5 * grid[i] * grid[i]) * Self.inverseSqrt2Pi
            }
        } else {
            let sd = step.squareRoot(), st = t.squareRoot(), sp = information.squareRoot()
            let scale = st / sd * Self.inverseSqrt2Pi
            for i in grid.indices {
                var sum = 0.0
                for j in points.indices {
                    // Z_k √t_k − Z_{k−1} √t_{k−1} ~ N(0, t_k − t_{k−1}), independent of the past.
                    let u = (grid[i] * st - points[j] * sp) / sd
                    if u * u < 80 { sum += weighted[j] * exp(-0.5 * u * u) }
                }
                next[i] = weights[i] * sum * scale
            }
        }
        points = grid
        weighted = next
        information = t
        looks += 1
        return (lower, upper)
    }

    private enum Side { case lower, upper }

    /// The chance, at the null and not stopped before, of crossing `side` at `critical` on a look at
    /// information `t`, and its derivative in `critical`.
    private func mass(_ side: Side, critical c: Double, at t: Double) -> (value: Double, slope: Double) {
        if looks == 0 {
            return (Self.normalCDF(-c), -exp(-0.5 * c * c) * Self.inverseSqrt2Pi)
        }
        let sd = (t - information).squareRoot(), st = t.squareRoot(), sp = information.squareRoot()
        var value = 0.0, slope = 0.0
        for j in points.indices {
            let u = side == .lower ? (-c * st - points[j] * sp) / sd : (points[j] * sp - c * st) / sd
            // Φ(u) < 2·10⁻¹⁹ below −9, and 1 above 9 to double precision.
            if u < -9 { continue }
            if u > 9 { value += weighted[j]; continue }
            value += weighted[j] * Self.normalCDF(u)
            slope -= weighted[j] * exp(-0.5 * u * u) * Self.inverseSqrt2Pi * st / sd
        }
        return (value, slope)
    }

    /// The critical value spending `target` on `side` (the mass decreases in it) and the mass it
    /// spends: Newton's method from `start` (the previous look's value, which is close; without one,
    /// the value that would spend `target` on a first look) kept inside a
    /// shrinking bracket [−40, 40], at most 100 steps. ``never`` and 0 when there is nothing to spend.
    private func solve(_ side: Side, target: Double, at t: Double, from start: Double?) -> (critical: Double, mass: Double) {
        guard target > 1e-15 else { return (Self.never, 0) }
        var low = -Self.cap, high = Self.cap
        var c = start ?? -JudgePlan.normalQuantile(min(target, 0.5))
        c = min(max(c, low), high)
        for _ in 0..<100 {
            let (value, slope) = mass(side, critical: c, at: t)
            let error = value - target
            if abs(error) <= 1e-9 * target || high - low < 1e-10 { return (c, value) }
            if error > 0 { low = c } else { high = c }
            var next = slope < 0 ? c - error / slope : 0.5 * (low + high)
            if !(next > low && next < high) { next = 0.5 * (low + high) }
            c = next
        }
        return (c, mass(side, critical: c, at: t).value)
    }

    /// The grid for a standard normal Z (after Jennison and Turnbull, §19.2, whose uniform middle
    /// part reaches ±3 only): spacing 1.5 / r on [−6, 6] and r − 1 points on each side beyond,
    /// ±(6 + 4 log(r / i)), trimmed to (low, high) with the ends added, midpoints inserted, and
    /// Simpson's weights. With many looks the kernel between looks is narrow (standard deviation
    /// √(step / t) in Z) while boundaries sit at 3–4, so the spacing must be fine out there too.
    /// Empty when the region is.
    static func grid(low: Double, high: Double, r: Int) -> (points: [Double], weights: [Double]) {
        guard low < high, r >= 1 else { return ([], []) }
        let rr = Double(r)
        let spacing = 1.5 / rr
        let middle = 8 * r
        var base: [Double] = []
        base.reserveCapacity(10 * r)
        for i in 1..<r {
            base.append(-uniform - 4 * log(rr / Double(i)))
        }
        for i in 0...middle {
            base.append(-uniform + Double(i) * spacing)
        }
        for i in stride(from: r - 1, through: 1, by: -1) {
            base.append(uniform + 4 * log(rr / Double(i)))
        }
        var knots: [Double] = []
        if let first = base.first, low > first { knots.append(low) }
        for x in base where x > low && x < high { knots.append(x) }
        if let last = base.last, high < last { knots.append(high) }
        guard knots.count >= 2 else { return ([], []) }
        var points: [Double] = []
        points.reserveCapacity(2 * knots.count - 1)
        for i in 0..<(knots.count - 1) {
            points.append(knots[i])
            points.append(0.5 * (knots[i] + knots[i + 1]))
        }
        points.append(knots[knots.count - 1])
        var weights = [Double](repeating: 0, count: points.count)
        var i = 0
        while i + 2 < points.count {
            let width = points[i + 2] - points[i]
            weights[i] += width / 6
            weights[i + 1] += 4 * width / 6
            weights[i + 2] += width / 6
            i += 2
        }
        return (points, weights)
    }

    /// The standard normal distribution function (the quantile is ``JudgePlan/normalQuantile(_:)``).
    public static func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// The Student-t critical value with `degreesOfFreedom` for the tail the normal leaves beyond `z`
    /// (Cornish–Fisher expansion, Abramowitz and Stegun 26.7.5; within 10⁻³ for 19 or more degrees of
    /// freedom and |z| ≤ 4.5, 5 % too small at 5 degrees and z = 4.5, more below). The judge compares its statistic
    /// with these (Jennison and Turnbull 2000, §11: the nominal significance levels of a normal
    /// boundary carried to the t scale), a little conservative where the variance is estimated from
    /// few pairs. ``never`` below one degree of freedom; non-finite `z` is returned as it is.
    public static func studentCritical(_ z: Double, degreesOfFreedom: Double) -> Double {
        guard z.isFinite else { return z }
        guard degreesOfFreedom >= 1 else { return Self.never }
        let v = degreesOfFreedom
        let z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2
        let g1 = (z3 + z) / 4
        let g2 = (5 * z5 + 16 * z3 + 3 * z) / 96
        let g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384
        let g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160
        return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v)
    }

    /// Tango's score statistic for paired binary outcomes at the null Δ = −margin (Tango, "Equivalence
    /// test and confidence interval for the difference in proportions for the paired-sample design",
    /// Statistics in Medicine 1998): with `worse` pairs where only stable passed (d = −1), `better`
    /// where only the canary passed (d = +1), out of `pairs`,
    ///
    ///     Z = (Δ̂ + m) / √(σ̃² / n),   σ̃² = p̃₊ + p̃₋ − m²,
    ///
    /// p̃ the multinomial maximum likelihood under p₋ − p₊ = m (closed form). The variance is the
    /// null's, not the data's: it is at least m(1 − m) (a mean of −m needs discordant pairs), so a run
    /// of equal pairs does not look certain, and with rare discordant pairs it does not shrink when
    /// few −1s happen to come (where Δ̂ / (s / √n) promotes too often: 7 % at a stated 5 % for 99 % vs
    /// 97 %). With margin 0 it is McNemar's (c − b) / √(b + c); 0 without information.
    public static func pairedScore(worse: Int, better: Int, pairs: Int, margin: Double) -> Double {
        guard pairs > 0 else { return 0 }
        let worseCount = min(max(worse, 0), pairs)
        let betterCount = min(max(better, 0), pairs - worseCount)
        let n = Double(pairs), b = Double(worseCount), c = Double(betterCount)
        let a = n - b - c
        let m = margin.isNaN ? 0 : min(max(margin, 0), 0.999)
        // p̃₊ solves 2n p² − B p − C = 0.
        let bq = b * (1 - m) + c * (1 - 3 * m) - 2 * a * m
        let cq = c * m * (1 - m)
        let p = (bq + max(bq * bq + 8 * n * cq, 0).squareRoot()) / (4 * n)
        let variance = 2 * p + m - m * m
        guard variance > 0 else { return 0 }
        return ((c - b) / n + m) / (variance / n).squareRoot()
    }
}
