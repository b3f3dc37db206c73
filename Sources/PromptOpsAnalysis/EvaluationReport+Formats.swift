import Foundation

extension EvaluationReport {
    /// The report for people (`promptops eval --format text`): per test a PASS/FAIL line, per
    /// run its score and latency, reasons and an output excerpt for every run that failed, then
    /// the pass rate against the threshold.
    public var text: String {
        var lines: [String] = []
        lines.append("Evaluating \(namespace)/\(template) with model \(model) at \(endpoint), \(repeats) run(s) per test")
        if tests.isEmpty { lines.append("  (the template has no tests)") }
        for test in tests {
            let status = test.passedRuns == test.runs.count ? "PASS" : "FAIL"
            lines.append("")
            lines.append("\(status) \(test.name): \(test.passedRuns)/\(test.runs.count) run(s) passed (score needed \(Self.decimal(test.threshold)))")
            for run in test.runs { lines += Self.lines(for: run) }
        }
        lines.append("")
        lines.append(summary)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The last line of ``text``: the pass rate against the threshold, or why there is none.
    public var summary: String {
        if let failure { return "ERROR evaluation failed: \(failure.message)" }
        guard let passRate else { return "NO RESULT: no tests to run" }
        let needed = threshold.map(Self.decimal) ?? "1.0 (default)"
        let verdict = meetsThreshold ? "PASS" : "FAIL"
        let comparison = meetsThreshold ? "meets" : "is below"
        return "\(verdict) pass rate \(Self.decimal(passRate)) (\(passedRuns)/\(totalRuns) runs) \(comparison) the threshold \(needed)"
    }

    /// The report as pretty-printed JSON with sorted keys (`promptops eval --format json`).
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static func lines(for run: Run) -> [String] {
        let latency = run.latencyMs.map { "  \(Int($0.rounded())) ms" } ?? ""
        if let error = run.error { return ["  run \(run.attempt): ERROR \(error)"] }
        var lines = ["  run \(run.attempt): \(run.passed ? "pass" : "FAIL")  score \(decimal(run.score))\(latency)"]
        guard !run.passed else { return lines }
        for result in run.assertionResults {
            lines.append("    \(result.passed ? "ok  " : "FAIL") \(result.type)\(result.value.map { " \"\($0)\"" } ?? ""): \(result.reason)")
        }
        if let output = run.output {
            lines.append("    output: \(AssertionScorer.excerpt(output))\(run.outputTruncated ? " (truncated)" : "")")
        }
        return lines
    }

    /// At most two decimals, without trailing zeros beyond one (`1.0`, `0.67`, `0.95`).
    static func decimal(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return rounded == rounded.rounded() ? String(format: "%.1f", rounded) : String(format: "%.2f", rounded)
            .replacingOccurrences(of: #"0$"#, with: "", options: .regularExpression)
    }
}
