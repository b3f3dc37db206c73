// hack/bench/judge: the comparative judge (PromptOpsCore.ComparativeJudge, a group-sequential
// test with error spending) over synthetic
// evaluation streams, next to today's threshold gate on the same streams. Not a test.
//
// Each test passes with its own probability (difficulty spread around the scenario's base);
// the canary's probability is the stable one plus the scenario's difference. A round runs
// every test `repeats` times on both versions. Prints, per scenario, how often the judge rolls
// back, promotes and ends Inconclusive, the pairs it used (median, p95), the sample size a
// fixed-sample test with the same error rates needs, and the rollback rate of the threshold
// gate as `examples/canary` configured it (3 tests × 1, count 2, failureLimit 0, min 0.9, two
// analysis steps), fed the canary's runs of the same streams.
//
// Usage: JudgeBench [TRIALS=10000] [SEED=7]
import Foundation
import PromptOpsCore

struct Scenario {
    var name: String
    var stable: Double
    var difference: Double
    /// Half-width of the per-test difficulty spread around `stable`.
    var spread: Double
    /// Tests that differ: the first half gains this much more, the second half loses it.
    var split = 0.0
}

let arguments = CommandLine.arguments
let trials = arguments.count > 1 ? Int(arguments[1]) ?? 10_000 : 10_000
let seed = arguments.count > 2 ? UInt64(arguments[2]) ?? 7 : 7
let tests = 10, repeats = 3
let settings = ComparativeJudge.Settings(margin: 0.02, falseRollback: 0.01, missedRegression: 0.05, maxSamples: 3000)
let scenarios = [
    Scenario(name: "equal, 95 % vs 95 %", stable: 0.95, difference: 0, spread: 0.04),
    Scenario(name: "equal, hard tests, 80 % vs 80 %", stable: 0.80, difference: 0, spread: 0.15),
    Scenario(name: "3 points better", stable: 0.95, difference: 0.03, spread: 0.02),
    Scenario(name: "5 points worse", stable: 0.95, difference: -0.05, spread: 0.04),
    Scenario(name: "20 points worse", stable: 0.95, difference: -0.20, spread: 0.04),
    // On the margin itself: rolled back at most falseRollback, promoted at most missedRegression.
    Scenario(name: "on the margin, 2 points worse, 95 %", stable: 0.95, difference: -0.02, spread: 0.04),
    Scenario(name: "on the margin, 2 points worse, 80 %", stable: 0.80, difference: -0.02, spread: 0.15),
    Scenario(name: "on the margin, tests differ: +10 on half, -14 on half, 80 %", stable: 0.80, difference: -0.02, spread: 0.0, split: 0.12),
]

func percentile(_ values: [Int], _ q: Double) -> Int {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))]
}

print("trials per scenario: \(trials); \(tests) tests × \(repeats) repeats per round; margin \(settings.margin), "
      + "falseRollback \(settings.falseRollback), missedRegression \(settings.missedRegression), maxSamples \(settings.maxSamples) per arm")
print("scenario | Δ (mean) | judge rollback / promote / inconclusive | rolled back within 200 pairs | pairs used, median / p95 / mean | fixed-sample pairs, same error rates | threshold gate (examples/canary) rollback")
var random = SeededRandom(seed: seed)
let cache = BoundaryCache(settings)
for scenario in scenarios {
    var rolledBack = 0, promoted = 0, inconclusive = 0, gateRolledBack = 0, rolledBackWithin200 = 0
    var used: [Int] = []
    var sumDelta = 0.0, sumVariance = 0.0
    for _ in 0..<trials {
        // Per-test probabilities for this trial.
        var stableP: [Double] = [], canaryP: [Double] = []
        for _ in 0..<tests {
            let u = random.unit()
            let p = min(max(scenario.stable + (2 * u - 1) * scenario.spread, 0), 1)
            stableP.append(p)
            let shift = stableP.count <= tests / 2 ? scenario.split : -scenario.split
            canaryP.append(min(max(p + scenario.difference + shift, 0), 1))
        }
        let delta = zip(canaryP, stableP).map { $0 - $1 }.reduce(0, +) / Double(tests)
        sumDelta += delta
        // Var(d) averaged over tests: p_c(1−p_c) + p_s(1−p_s) + (p_c − p_s)² − Δ² within the mix.
        sumVariance += zip(canaryP, stableP).map { c, s in c * (1 - c) + s * (1 - s) + (c - s) * (c - s) }.reduce(0, +) / Double(tests) - delta * delta

        var judge = ComparativeJudge(settings, cache: cache)
        while judge.decision == .continue {
            var round: [ComparativeJudge.Runs] = []
            for t in 0..<tests {
                round.append(.init(test: "t\(t)", stable: (0..<repeats).map { _ in random.chance(stableP[t]) },
                                   canary: (0..<repeats).map { _ in random.chance(canaryP[t]) }))
            }
            judge.add(round)
        }
        switch judge.decision {
        case .rollBack:
            rolledBack += 1
            if judge.samples <= 200 { rolledBackWithin200 += 1 }
        case .promote: promoted += 1
        case .inconclusive: inconclusive += 1
        case .continue: break
        }
        used.append(judge.samples)

        // Today's gate on the canary's runs: examples/canary (3 tests × 1 per measurement,
        // count 2, failureLimit 0, thresholdRange.min 0.9), two analysis steps.
        var gateFailed = false
        steps: for _ in 0..<2 {
            var failures = 0
            for _ in 0..<2 {
                let passed = (0..<3).filter { t in random.chance(canaryP[t]) }.count
                if MeasurementVerdict.verdict(value: Double(passed) / 3, min: 0.9, max: nil) == .failed {
                    failures += 1
                    if failures > 0 { gateFailed = true; break steps }
                }
            }
        }
        if gateFailed { gateRolledBack += 1 }
    }
    let meanDelta = sumDelta / Double(trials), variance = sumVariance / Double(trials)
    // One-sided test of Δ = −margin against the scenario's Δ, errors falseRollback and
    // missedRegression: n = (z₁₋α + z₁₋β)² σ² / (Δ + margin)².
    let distance = abs(meanDelta + settings.margin)
    let zSum = JudgePlan.normalQuantile(1 - settings.falseRollback) + JudgePlan.normalQuantile(1 - settings.missedRegression)
    let fixed = distance < 1e-9 ? "∞" : String(Int((zSum * zSum * variance / (distance * distance)).rounded(.up)))
    func pct(_ n: Int) -> String { String(format: "%.2f %%", 100 * Double(n) / Double(trials)) }
    print("\(scenario.name) | \(String(format: "%+.3f", meanDelta)) | \(pct(rolledBack)) / \(pct(promoted)) / \(pct(inconclusive)) | \(pct(rolledBackWithin200)) | "
          + "\(percentile(used, 0.5)) / \(percentile(used, 0.95)) / \(used.reduce(0, +) / max(used.count, 1)) | \(fixed) | \(pct(gateRolledBack))")
}
