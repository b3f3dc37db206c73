import Foundation
import PromptOpsCore
import Testing

@Suite("Comparative judge: anytime-valid bounds, decisions on fixed sequences")
struct ComparativeJudgeTests {
    /// A round of `tests` tests × `repeats` runs with fixed outcomes.
    static func round(tests: Int = 10, repeats: Int = 3, stable: Bool, canary: Bool) -> [ComparativeJudge.Runs] {
        (0..<tests).map { .init(test: "t\($0)", stable: Array(repeating: stable, count: repeats), canary: Array(repeating: canary, count: repeats)) }
    }

    @Test("one look at the whole budget gives the fixed-sample critical values", arguments: [
        (0.01, 0.05, 2.3263, 1.6449), (0.05, 0.05, 1.6449, 1.6449), (0.001, 0.2, 3.0902, 0.8416),
    ])
    func singleLook(lowerAlpha: Double, upperAlpha: Double, lower: Double, upper: Double) {
        var boundary = GroupSequentialBoundary(lowerAlpha: lowerAlpha, upperAlpha: upperAlpha,
                                               lowerSpending: .rollBack(maxSamples: 3000), upperSpending: .promote)
        let look = boundary.addLook(information: 1)
        #expect(abs(look.lower - lower) < 2e-3 && abs(look.upper - upper) < 2e-3, "\(look)")
    }

    @Test("the boundaries keep each error rate over 100 looks: Brownian paths at the null cross each side at most its rate")
    func boundariesKeepTheirRates() {
        var boundary = GroupSequentialBoundary(lowerAlpha: 0.01, upperAlpha: 0.05,
                                               lowerSpending: .rollBack(maxSamples: 3000), upperSpending: .promote)
        let looks = (1...100).map { Double($0) / 100 }
        let critical = looks.map { boundary.addLook(information: $0) }
        #expect(abs(boundary.lowerSpent - 0.01) < 1e-4 && abs(boundary.upperSpent - 0.05) < 5e-4, "\(boundary.lowerSpent) \(boundary.upperSpent)")
        var random = RolloutSeededRandom(seed: 5)
        let paths = 20_000
        var lowerCrossed = 0, upperCrossed = 0
        for _ in 0..<paths {
            var sum = 0.0, previous = 0.0
            for (k, t) in looks.enumerated() {
                // A standard normal increment of variance t − previous (Box–Muller).
                let u1 = max(Double.random(in: 0..<1, using: &random), 1e-300), u2 = Double.random(in: 0..<1, using: &random)
                sum += (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2) * (t - previous).squareRoot()
                previous = t
                let z = sum / t.squareRoot()
                if z <= -critical[k].lower { lowerCrossed += 1; break }
                if z >= critical[k].upper { upperCrossed += 1; break }
            }
        }
        // 1 % and 5 % of 20,000: 200 and 1,000, with ~4 standard deviations of room.
        #expect(lowerCrossed <= 260 && upperCrossed <= 1_130, "\(lowerCrossed) / \(upperCrossed)")
        #expect(lowerCrossed >= 140 && upperCrossed >= 870, "the rates are spent, not wasted: \(lowerCrossed) / \(upperCrossed)")
    }

    @Test("boundaries depend only on the look sizes: a replay gives the same values, a sliver of a look is not tested")
    func boundariesReplay() {
        func run(_ sizes: [Double]) -> [Double] {
            var b = GroupSequentialBoundary(lowerAlpha: 0.01, upperAlpha: 0.05, lowerSpending: .rollBack(maxSamples: 3000), upperSpending: .promote)
            return sizes.flatMap { let l = b.addLook(information: $0); return [l.lower, l.upper] }
        }
        let sizes = [0.01, 0.02, 0.021, 0.05, 0.2, 0.6, 1]
        #expect(run(sizes) == run(sizes))
        let values = run(sizes)
        #expect(values[4] == .infinity && values[5] == .infinity, "0.001 more information is below the minimum step")
        #expect(values.allSatisfy { !$0.isNaN })
    }

    @Test("spending functions start at 0, end at the whole rate and never go back")
    func spending() {
        for spending in [GroupSequentialBoundary.Spending.rollBack(maxSamples: 3000), .rollBack(maxSamples: 100), .promote, .hwangShihDeCani(-4)] {
            let values = stride(from: 0.0, through: 1.0, by: 0.01).map(spending.fraction(at:))
            #expect(values.first == 0 && abs((values.last ?? 0) - 1) < 1e-12)
            #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 + 1e-15 })
        }
    }

    @Test("the paired score: McNemar's at margin 0, zero at the margin itself, signed by the difference", arguments: [
        (5, 15, 100, 0.0, 10 / 20.0.squareRoot()),
        (15, 5, 100, 0.0, -10 / 20.0.squareRoot()),
        (0, 0, 100, 0.0, 0),
    ])
    func pairedScore(worse: Int, better: Int, pairs: Int, margin: Double, expected: Double) {
        #expect(abs(GroupSequentialBoundary.pairedScore(worse: worse, better: better, pairs: pairs, margin: margin) - expected) < 1e-9)
    }

    @Test("the paired score at Δ = −margin exactly is 0, and grows with the canary's lead")
    func pairedScoreAtTheMargin() {
        // 10 of 100 pairs worse, 5 better: Δ = −0.05 = −margin.
        #expect(abs(GroupSequentialBoundary.pairedScore(worse: 10, better: 5, pairs: 100, margin: 0.05)) < 1e-9)
        let scores = [0, 5, 10, 15].map { GroupSequentialBoundary.pairedScore(worse: 10, better: $0, pairs: 100, margin: 0.05) }
        #expect(zip(scores, scores.dropFirst()).allSatisfy { $0 < $1 })
        // All pairs equal: Z = m / √(m(1 − m)/n), not infinite.
        let equal = GroupSequentialBoundary.pairedScore(worse: 0, better: 0, pairs: 30, margin: 0.02)
        #expect(abs(equal - 0.02 / (0.02 * 0.98 / 30).squareRoot()) < 1e-9)
    }

    @Test("tests that differ do not break the error rates: better on half the tests, worse on the other half, by more than the margin on average")
    func heterogeneousTestsKeepTheErrorRates() {
        var random = RolloutSeededRandom(seed: 31)
        let settings = ComparativeJudge.Settings(margin: 0.02, falseRollback: 0.01, missedRegression: 0.05, maxSamples: 3000)
        // Stable passes every test half the time; the canary gains 46 points on the first five
        // tests and loses 54 on the last five: on average 4 points worse (a regression).
        let stable = Array(repeating: 0.5, count: 10)
        let canary = (0..<10).map { $0 < 5 ? 0.96 : -0.04 }.map { min(max($0, 0), 1) }
        var promoted = 0
        let trials = 300
        // Every trial sees the same round sizes: their boundaries are computed once.
        let cache = BoundaryCache(settings)
        for _ in 0..<trials {
            var judge = ComparativeJudge(settings, cache: cache)
            while judge.decision == .continue {
                judge.add((0..<10).map { t in
                    .init(test: "t\(t)", stable: (0..<3).map { _ in Double.random(in: 0..<1, using: &random) < stable[t] },
                          canary: (0..<3).map { _ in Double.random(in: 0..<1, using: &random) < canary[t] })
                })
            }
            if judge.decision == .promote { promoted += 1 }
        }
        // At most missedRegression (5 % of 300 = 15) plus noise; deciding pair by pair promoted
        // about 38 % here.
        #expect(promoted <= 30, "\(promoted) of \(trials) promoted")
    }

    @Test("a canary failing every test that stable passes is rolled back in the first round, with the evidence per test")
    func clearRegression() {
        var judge = ComparativeJudge(.init())
        // 30 pairs, all worse: Z far below the first round's critical value (about −4).
        #expect(judge.add(Self.round(stable: true, canary: false)) == .rollBack)
        #expect(judge.samples == 30)
        #expect(judge.evidence.count == 10 && judge.evidence.allSatisfy { $0.difference == -1 && $0.runs == 3 })
        #expect(judge.interval.upper < -0.02)
        // Decided: later rounds change nothing.
        #expect(judge.add(Self.round(stable: true, canary: true)) == .rollBack)
        #expect(judge.samples == 30)
    }

    @Test("identical outcomes are promoted once the score clears the promote boundary, and never rolled back")
    func identicalIsPromoted() {
        var judge = ComparativeJudge(.init(margin: 0.02, falseRollback: 0.01, missedRegression: 0.05, maxSamples: 3000))
        var rounds = 0
        while judge.decision == .continue, rounds < 200 {
            judge.add(Self.round(stable: true, canary: true))
            rounds += 1
        }
        #expect(judge.decision == .promote)
        // d = 0 always: Z = m / √(m(1 − m)/n) = √(n m / (1 − m)) reaches the promote side's
        // critical value (about 2.2–3.3 depending on the look) at a few hundred pairs.
        #expect((5...25).contains(rounds), "\(rounds) rounds")
        #expect(judge.interval.lower > -0.02, "the interval's lower end clears −margin: \(judge.interval)")
    }

    @Test("evidence that stays ambiguous ends Inconclusive exactly at maxSamples, never a silent promote")
    func budgetEndsInconclusive() {
        var judge = ComparativeJudge(.init(margin: 0.02, falseRollback: 0.01, missedRegression: 0.05, maxSamples: 120))
        var decisions: [ComparativeJudge.Decision] = []
        for i in 0..<15 {
            // Half the pairs disagree each way: Δ = 0 with the largest variance.
            let runs = (0..<10).map { t in ComparativeJudge.Runs(test: "t\(t)", stable: [t % 2 == i % 2], canary: [t % 2 != i % 2]) }
            decisions.append(judge.add(runs))
        }
        // 10 pairs a round: the 12th round reaches 120.
        #expect(decisions.firstIndex(of: .inconclusive) == 11, "\(decisions)")
        #expect(decisions.prefix(11).allSatisfy { $0 == .continue })
        #expect(judge.samples == 120)
    }

    @Test("the interval agrees with the decision after every round: below −margin exactly on RollBack, above it exactly on Promote")
    func intervalAgreesWithTheDecision() {
        var random = RolloutSeededRandom(seed: 41)
        var checked = 0
        for trial in 0..<150 {
            let settings = ComparativeJudge.Settings(margin: [0.02, 0.1, 0][trial % 3], falseRollback: 0.05, missedRegression: 0.1,
                                                     maxSamples: [300, 3000, 20_000][trial % 3])
            let stable = Double.random(in: 0.5..<1, using: &random), canary = Double.random(in: 0.4..<1, using: &random)
            var judge = ComparativeJudge(settings)
            while judge.decision == .continue {
                // Rounds of 1 to 40 pairs: some too small to be tested.
                let size = Int.random(in: 1...40, using: &random)
                judge.add((0..<size).map { t in .init(test: "t\(t % 7)", stable: [Double.random(in: 0..<1, using: &random) < stable],
                                                       canary: [Double.random(in: 0..<1, using: &random) < canary]) })
                let (low, high) = judge.interval, edge = -judge.settings.margin
                switch judge.decision {
                case .rollBack: #expect(high < edge, "\(judge.samples) pairs: \(low)…\(high)")
                case .promote: #expect(low > edge, "\(judge.samples) pairs: \(low)…\(high)")
                case .continue, .inconclusive: #expect(low <= edge && edge <= high, "\(judge.samples) pairs: \(low)…\(high)")
                }
                checked += 1
            }
        }
        #expect(checked > 400)
    }

    @Test("a large budget does not delay the first looks: a clear regression is caught within the first rounds", arguments: [3000, 100_000])
    func largeBudgetsLookEarly(maxSamples: Int) {
        var judge = ComparativeJudge(.init(margin: 0.02, falseRollback: 0.01, missedRegression: 0.05, maxSamples: maxSamples))
        var rounds = 0
        while judge.decision == .continue, rounds < 50 {
            // Stable passes all; the canary fails a third of the runs.
            judge.add((0..<10).map { t in .init(test: "t\(t)", stable: [true, true, true], canary: [t % 3 != 0, true, t % 3 != 1]) })
            rounds += 1
        }
        #expect(judge.decision == .rollBack)
        #expect(rounds <= 4, "\(rounds) rounds")
    }

    @Test("runs without a partner are not counted; tests seen later are added to the evidence")
    func unpairedRunsAreIgnored() {
        var judge = ComparativeJudge(.init())
        judge.add([.init(test: "a", stable: [true, true, false], canary: [true])])
        judge.add([.init(test: "b", stable: [], canary: [true]), .init(test: "a", stable: [false], canary: [true])])
        #expect(judge.samples == 2)
        #expect(judge.evidence.map(\.test) == ["a"])
        #expect(judge.evidence[0].stablePassed == 1 && judge.evidence[0].canaryPassed == 2)
        #expect(judge.observedDifference == 0.5)
    }
}

@Suite("Judge planning")
struct JudgePlanTests {
    @Test("fixed-sample size by the normal approximation; none on the margin itself")
    func fixedSamples() {
        let settings = ComparativeJudge.Settings(margin: 0.02, falseRollback: 0.01, missedRegression: 0.05, maxSamples: 3000)
        // (2.3263 + 1.6449)² × (0.9·0.1 + 0.95·0.05) / 0.03² = 2,410 (rounded up).
        #expect(JudgePlan.fixedSamples(settings, stable: 0.95, canary: 0.90) == 2410)
        #expect(JudgePlan.fixedSamples(settings, stable: 0.95, canary: 0.93) == nil)
        #expect(abs(JudgePlan.normalQuantile(0.975) - 1.959964) < 1e-5)
        #expect(abs(JudgePlan.normalQuantile(0.01) + 2.326348) < 1e-5)
    }

    @Test("simulation is seeded: the same outcome twice, and a clear regression is always rolled back")
    func simulation() {
        let settings = ComparativeJudge.Settings(margin: 0.02, falseRollback: 0.01, missedRegression: 0.05, maxSamples: 600)
        let a = JudgePlan.simulate(settings, stable: 0.95, canary: 0.75, trials: 200)
        #expect(a == JudgePlan.simulate(settings, stable: 0.95, canary: 0.75, trials: 200))
        #expect(a.rolledBack == 200 && a.medianSamples <= 200)
        let equal = JudgePlan.simulate(settings, stable: 0.95, canary: 0.95, trials: 200)
        #expect(equal.rolledBack <= 2)
        #expect(equal.rolledBack + equal.promoted + equal.inconclusive == 200)
    }
}
