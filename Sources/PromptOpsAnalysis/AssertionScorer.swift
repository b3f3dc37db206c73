import Foundation
import PromptOpsCore

/// Scores a model output against a test's assertions. Pure: the output and the call latency
/// in, a weighted score with one reason per assertion out.
///
/// Types: `equals` (the output, surrounding whitespace trimmed, equals the value), `contains`,
/// `icontains` (case-insensitive), `not-contains`, `regex` (``LinearRegex``: the common syntax without backreferences or lookaround, matches
/// anywhere), `starts-with` (after leading whitespace), `is-json`, `max-length` and
/// `min-length` (characters), `max-tokens` (``TokenEstimate``: characters / 4 rounded up),
/// `latency-ms` (the call took at most this long). An unknown type, or a missing or unusable
/// value, fails its assertion with a reason rather than being skipped.
public enum AssertionScorer {
    /// Every assertion type this scorer knows.
    public static let supportedTypes: [String] = [
        "equals", "contains", "icontains", "not-contains", "regex", "starts-with", "is-json",
        "max-length", "min-length", "max-tokens", "latency-ms",
    ]

    /// Scores `output` against `test`'s assertions and threshold.
    /// - Parameter latencyMs: how long the model call took; nil fails `latency-ms` assertions.
    public static func score(_ output: String, against test: PromptTemplate.Test, latencyMs: Double?) -> TestScore {
        score(output, assertions: test.assertions, threshold: test.threshold, latencyMs: latencyMs)
    }

    /// Scores `output` against `assertions`; the test passes when the score reaches `threshold`.
    public static func score(
        _ output: String, assertions: [PromptTemplate.Assertion], threshold: Double = 1, latencyMs: Double?
    ) -> TestScore {
        let results = assertions.map { check($0, output: output, latencyMs: latencyMs) }
        return score(results: results, threshold: threshold)
    }

    /// Weighs checked assertions: passed weight over total weight (negative weights count as 0;
    /// no weight at all scores 1), passing when the score reaches `threshold`.
    public static func score(results: [AssertionResult], threshold: Double = 1) -> TestScore {
        let total = results.reduce(0) { $0 + max($1.weight, 0) }
        let earned = results.reduce(0) { $0 + ($1.passed ? max($1.weight, 0) : 0) }
        let score = total > 0 ? earned / total : 1
        // A small tolerance so weights like 0.1 + 0.2 still reach a 0.3 threshold.
        return TestScore(score: score, threshold: threshold, passed: score >= threshold - 1e-9, assertions: results)
    }

    /// Checks one assertion of a test.
    public static func check(_ assertion: PromptTemplate.Assertion, output: String, latencyMs: Double?) -> AssertionResult {
        check(type: assertion.type, value: assertion.value, weight: assertion.weight, output: output, latencyMs: latencyMs)
    }

    /// Checks one assertion given by its parts.
    /// - Parameters:
    ///   - type: `contains`, `max-length`, ... (see the type's documentation).
    ///   - value: the assertion's argument as written in the manifest.
    ///   - latencyMs: how long the model call took; nil fails `latency-ms`.
    public static func check(
        type kind: String, value: TemplateValue?, weight: Double = 1, output: String, latencyMs: Double?
    ) -> AssertionResult {
        let text = value.map(Self.text)
        func result(_ passed: Bool, _ reason: String) -> AssertionResult {
            AssertionResult(type: kind, value: text, weight: weight, passed: passed, reason: reason)
        }
        switch kind {
        case "equals", "contains", "icontains", "not-contains", "regex", "starts-with":
            guard let expected = text else { return result(false, "\(kind) needs a value") }
            return checkText(kind, expected: expected, output: output, result: result)
        case "is-json":
            let valid = (try? JSONSerialization.jsonObject(with: Data(output.utf8), options: [.fragmentsAllowed])) != nil
            return result(valid, valid ? "output is valid JSON" : "output is not valid JSON")
        case "max-length", "min-length", "max-tokens", "latency-ms":
            guard let limit = value.flatMap(Self.number) else {
                return result(false, "\(kind) needs a numeric value, got \(text.map { "\"\($0)\"" } ?? "none")")
            }
            return checkLimit(kind, limit: limit, output: output, latencyMs: latencyMs, result: result)
        default:
            return result(false, "unknown assertion type \"\(kind)\" (known: \(supportedTypes.joined(separator: ", ")))")
        }
    }

    private static func checkText(
        _ kind: String, expected: String, output: String, result: (Bool, String) -> AssertionResult
    ) -> AssertionResult {
        let quoted = "\"\(expected)\""
        switch kind {
        case "equals":
            let trimmed = output.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed == expected
                ? result(true, "output equals \(quoted)")
                : result(false, "output \(excerpt(trimmed)) does not equal \(quoted)")
        case "contains":
            return output.contains(expected)
                ? result(true, "output contains \(quoted)") : result(false, "output does not contain \(quoted)")
        case "icontains":
            return output.lowercased().contains(expected.lowercased())
                ? result(true, "output contains \(quoted) (ignoring case)")
                : result(false, "output does not contain \(quoted) (ignoring case)")
        case "not-contains":
            return output.contains(expected)
                ? result(false, "output contains \(quoted), which it must not") : result(true, "output does not contain \(quoted)")
        case "starts-with":
            let trimmed = output.drop { $0.isWhitespace }
            return trimmed.hasPrefix(expected)
                ? result(true, "output starts with \(quoted)")
                : result(false, "output starts with \(excerpt(String(trimmed.prefix(expected.count + 10)))), not \(quoted)")
        default:  // regex
            // The linear-time engine: a model's answer (hostile as any input) cannot make a
            // pattern backtrack for ever.
            let regex: LinearRegex
            do { regex = try LinearRegex(expected) } catch {
                return result(false, "invalid regex \(quoted): \(error.message)")
            }
            do throws(LinearRegexBudgetExceeded) {
                if let match = try regex.firstMatch(in: output, budget: 50_000_000) {
                    return result(true, "output matches /\(expected)/ at \(excerpt(String(output[match])))")
                }
                return result(false, "output does not match /\(expected)/")
            } catch {
                return result(false, "/\(expected)/ needs more than \(error.budget) steps on this output")
            }
        }
    }

    private static func checkLimit(
        _ kind: String, limit: Double, output: String, latencyMs: Double?, result: (Bool, String) -> AssertionResult
    ) -> AssertionResult {
        let shown = format(limit)
        switch kind {
        case "max-length":
            let n = output.count
            return result(Double(n) <= limit, "output has \(n) characters, \(Double(n) <= limit ? "within" : "over") the maximum \(shown)")
        case "min-length":
            let n = output.count
            return result(Double(n) >= limit, "output has \(n) characters, \(Double(n) >= limit ? "at least" : "under") the minimum \(shown)")
        case "max-tokens":
            let n = TokenEstimate.tokens(in: output)
            return result(Double(n) <= limit, "output has about \(n) tokens, \(Double(n) <= limit ? "within" : "over") the maximum \(shown)")
        default:  // latency-ms
            guard let latencyMs else { return result(false, "no call latency was measured (latency-ms needs a model call)") }
            let took = format(latencyMs.rounded())
            return latencyMs <= limit
                ? result(true, "the call took \(took) ms, within \(shown) ms")
                : result(false, "the call took \(took) ms, over \(shown) ms")
        }
    }

    /// The text an assertion value compares with: strings as is, numbers and booleans as written.
    static func text(_ value: TemplateValue) -> String {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return format(d)
        case .bool(let b): return String(b)
        case .null: return ""
        case .array, .object: return value.interpolationText
        }
    }

    /// A numeric assertion value (also a numeric string like `"1200"`).
    static func number(_ value: TemplateValue) -> Double? {
        switch value {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .string(let s): return Double(s.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    /// `1200` rather than `1200.0`; fractions as Swift prints them.
    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }

    /// A short quoted excerpt of output for a reason.
    static func excerpt(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: "\\n")
        return flat.count > 60 ? "\"\(flat.prefix(60))…\"" : "\"\(flat)\""
    }
}
