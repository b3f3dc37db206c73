import Foundation
import Testing

/// `promptops eval --plan`: sample-size planning for the comparative judge, from the binary.
@Suite("eval --plan")
struct JudgePlanCommandTests {
    @Test("plans per difference: fixed-sample size, the simulated judge's rates and pairs, a warning when the budget falls short")
    func plansAndWarns() throws {
        let json = try CommandLineTests.run(["eval", "--plan", "--margin", "0.02", "--pass-rate", "0.95", "--repeats", "3",
                                             "--difference=-0.2", "--difference", "0.03", "--format", "json"])
        #expect(json.code == 0, "\(json.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let plan = try #require(object["plan"] as? [[String: Any]])
        #expect(plan.count == 2)
        let worse = plan[0], better = plan[1]
        #expect(worse["rolledBack"] as? Double == 100 && worse["promoted"] as? Double == 0)
        #expect((worse["p95Samples"] as? Int ?? .max) <= 300)
        #expect(better["promoted"] as? Double ?? 0 >= 95)
        // (z.99 + z.95)² (0.98·0.02 + 0.95·0.05) / 0.05² ≈ 424 for +3 points.
        #expect((410...440).contains(better["fixedSamples"] as? Int ?? 0), "\(better)")

        // The same plan twice is the same (seeded), and a budget too small for a 5-point
        // regression is called out.
        let text = try CommandLineTests.run(["eval", "--plan", "--max-samples", "600", "--difference=-0.05"])
        #expect(text.code == 0)
        #expect(text.out.contains("warning: a canary 5 points worse is rolled back only"), "\(text.out)")
        #expect(try CommandLineTests.run(["eval", "--plan", "--max-samples", "600", "--difference=-0.05"]).out == text.out)

        // Without --plan the run's own arguments are required; bad plan settings are refused.
        let missing = try CommandLineTests.run(["eval", "--model", "m"])
        #expect(missing.code != 0 && missing.err.contains("path"), "\(missing.err)")
        let bad = try CommandLineTests.run(["eval", "--plan", "--false-rollback", "0.7"])
        #expect(bad.code != 0 && bad.err.contains("--false-rollback"), "\(bad.err)")
    }
}
