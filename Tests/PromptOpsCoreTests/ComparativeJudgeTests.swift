import Foundation
import PromptOpsCore
import Testing

@Suite("Comparative judge: anytime-valid bounds, decisions on fixed sequences")
struct ComparativeJudgeTests {
    /// A round of `tests` tests × `repeats` runs with fixed outcomes.
    static func round(tests: Int = 10, repeats: Int = 3, stable: Bool, canary: Bool) -> [ComparativeJudge.Runs] {
        (0..<tests).map { .init(test: "t\($0)", stable: Array(repeating: stable, count: repeats), canary: Array(repeating: canary, count: repeats)) }
    }

    @Test("the bound holds at every sample size at once: streams with a known mean cross it at most α of the time")
    func coverage() {
        var random = RolloutSeededRandom(seed: 11)
        for (mean, side) in [(0.5, ConfidenceBound.Side.lower), (0.9, .upper), (0.975, .lower)] {
            let alpha = 0.05, streams = 1500
            var crossed = 0
            for _ in 0..<streams {
                var bound = ConfidenceBound(side: side, alpha: alpha)
                for _ in 0..<400 {
                    bound.add(Double.random(in: 0..<1, using: &random) < mean ? 1 : 0)
                    if side == .lower ? bound.bound > mean : bound.bound < mean { crossed += 1; break }
                }
            }
            // α = 5 % of 1,500 is 75; allow sampling noise (3 standard deviations: ~25).
            #expect(crossed <= 100, "mean \(mean) \(side): \(crossed) of \(streams) crossed")
        }
    }

    @Test("the betting test rejects a true null at most α of the time, looking after every observation")
    func bettingTestValidity() {
        var random = RolloutSeededRandom(seed: 23)
        for (null, mean) in [(BettingTest.Null.atLeast, 0.49), (.atMost, 0.49), (.atLeast, 0.5)] {
            let alpha = 0.05, streams = 1500
            var rejected = 0
            for _ in 0..<streams {
                var test = BettingTest(null: null, boundary: 0.49, alpha: alpha)
                // Paired differences: x ∈ {0, ½, 1} with mean `mean` (the null's edge or inside
                // it), 20 rounds of 30.
                for _ in 0..<20 {
                    let round = (0..<30).map { _ -> Double in
                        let u = Double.random(in: 0..<1, using: &random)
                        return u < 0.03 + (0.5 - mean) ? 0 : (u < 0.06 ? 1 : 0.5)
                    }
                    test.add(round: round)
                    if test.rejected { rejected += 1; break }
                }
            }
            // α = 5 % of 1,500 is 75 (a bound; at the boundary itself about 20–30 are expected).
            #expect(rejected <= 100, "\(null) at mean \(mean): \(rejected) of \(streams) rejected")
        }
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
        for _ in 0..<trials {
            var judge = ComparativeJudge(settings)
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
        // The first round's bet is a quarter of the largest safe one (λ = 0.49): 30 pairs at
        // x = 0 grow the wealth to (1 + 0.49 · 0.49)^30 ≈ e^6.5, past 1/0.01 = e^4.6.
        #expect(judge.add(Self.round(stable: true, canary: false)) == .rollBack)
        #expect(judge.samples == 30)
        #expect(judge.evidence.count == 10 && judge.evidence.allSatisfy { $0.difference == -1 && $0.runs == 3 })
        #expect(judge.interval.upper < -0.02)
        // Decided: later rounds change nothing.
        #expect(judge.add(Self.round(stable: true, canary: true)) == .rollBack)
        #expect(judge.samples == 30)
    }

    @Test("identical outcomes are promoted once the lower bound clears the margin, and never rolled back")
    func identicalIsPromoted() {
        var judge = ComparativeJudge(.init(margin: 0.02, falseRollback: 0.01, missedRegression: 0.05, maxSamples: 3000))
        var rounds = 0
        while judge.decision == .continue, rounds < 200 {
            judge.add(Self.round(stable: true, canary: true))
            rounds += 1
        }
        #expect(judge.decision == .promote)
        // d = 0 always: the bet grows by log(1 + λ·margin/2) per pair with λ at most half the
        // largest safe bet, 1 / (1 − margin) → at least ~296 pairs (10 rounds) for log(1/0.05).
        #expect((10...20).contains(rounds), "\(rounds) rounds")
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
