import Foundation
import Testing
@testable import PromptOpsCore

@Suite("Policies")
struct PolicyTests {
    static func policy(_ enforcement: String, rules: String, match: String = "{environments: [production]}") -> String {
        "apiVersion: promptops.dev/v1alpha1\nkind: Policy\nmetadata: {name: guard, namespace: s}\nspec:\n  enforcement: \(enforcement)\n  match: \(match)\n  rules: \(rules)\n"
    }

    static let deployment = """
    apiVersion: promptops.dev/v1alpha1
    kind: Deployment
    metadata: {name: d, namespace: s}
    spec:
      template: t
      environment: production
      strategy: {type: Canary, canary: {steps: [{setWeight: 80}, {analysis: {}}]}}
      analysis: {metrics: [{name: m, provider: {web: {url: "http://x", jsonPath: "$.v"}}, thresholdRange: {min: 1}}]}
    """

    static let template = """
    apiVersion: promptops.dev/v1alpha1
    kind: PromptTemplate
    metadata: {name: t, namespace: s}
    spec:
      model: {name: gpt-5-huge}
      text: "key sk-abcdefghijklmnopqrstuvwx here"
    """

    @Test func denyRulesAreErrorsAtTheOffendingNode() {
        let rules = "{maxStepWeight: 25, allowedModels: [gpt-4o-mini], minTests: 1, forbiddenPatterns: [{name: openai-key, regex: \"sk-[A-Za-z0-9]{20,}\"}], requiredLabels: [owner], requireStrategy: Canary}"
        let out = lines(validate(["p.yaml": Self.policy("Deny", rules: rules), "d.yaml": Self.deployment, "t.yaml": Self.template]))
        #expect(out.contains("d.yaml:7:57: error: policy 'guard' (Deny): setWeight 80 is above maxStepWeight 25 before the last analysis"))
        #expect(out.contains("t.yaml:5:17: error: policy 'guard' (Deny): model 'gpt-5-huge' is not allowed; allowed: gpt-4o-mini"))
        #expect(out.contains("t.yaml:6:14: error: policy 'guard' (Deny): text contains forbidden pattern 'openai-key'"))
        #expect(out.contains("t.yaml:5:3: error: policy 'guard' (Deny): template has 0 tests; at least 1 required"))
        #expect(out.contains("d.yaml:3:11: error: policy 'guard' (Deny): missing required label: owner"))
        #expect(!out.contains { $0.contains("strategy Canary") })
    }

    @Test func anExperimentsSplitKeepsToMaxStepWeight() {
        let experiment = Self.deployment.replacingOccurrences(
            of: "strategy: {type: Canary, canary: {steps: [{setWeight: 80}, {analysis: {}}]}}",
            with: "strategy: {type: Experiment, experiment: {weight: 60}}")
        let out = lines(validate(["p.yaml": Self.policy("Deny", rules: "{maxStepWeight: 25, requireAnalysis: true}"), "d.yaml": experiment, "t.yaml": Self.template]))
        #expect(out == ["d.yaml:7:53: error: policy 'guard' (Deny): experiment weight 60 is above maxStepWeight 25"], "\(out)")
    }

    @Test func warnRulesAreWarnings() {
        let result = validate(["p.yaml": Self.policy("Warn", rules: "{requireStrategy: Direct}"), "d.yaml": Self.deployment, "t.yaml": Self.template])
        #expect(!result.hasErrors)
        #expect(lines(result) == ["d.yaml:7:20: warning: policy 'guard' (Warn): Deployments must use strategy Direct, this one uses Canary"])
    }

    @Test func environmentAndLabelMatching() {
        let staging = validate(["p.yaml": Self.policy("Deny", rules: "{minTests: 3}", match: "{environments: [staging]}"), "d.yaml": Self.deployment, "t.yaml": Self.template])
        #expect(staging.diagnostics.isEmpty)
        let labelled = validate(["p.yaml": Self.policy("Deny", rules: "{minTests: 3}", match: "{labels: {team: x}}"), "d.yaml": Self.deployment, "t.yaml": Self.template])
        #expect(labelled.diagnostics.isEmpty)
    }

    @Test func badTimeZoneAndTimesAreErrors() {
        let out = lines(validate(["p.yaml": Self.policy("Deny", rules: "{freezeWindows: [{days: [Fri], start: \"25:00\", end: \"08:00\", timezone: Mars/Base}]}")]))
        #expect(out.contains { $0.contains("'25:00' is not a time of day HH:MM") })
        #expect(out.contains { $0.contains("'Mars/Base' is not a known IANA time zone") })
    }

    @Test func freezeWindowCrossingMidnight() throws {
        let set = ManifestLoader().load([ManifestFile(path: "p.yaml", bytes: Array(Self.policy("Deny", rules: "{freezeWindows: [{days: [Fri], start: \"18:00\", end: \"08:00\", timezone: UTC}]}").utf8))])
        let policy = try #require(set.policies.values.first)
        let f = ISO8601DateFormatter()
        // 2026-11-27 is a Friday.
        #expect(policy.freezeUntil(f.date(from: "2026-11-27T17:59:00Z")!) == nil)
        #expect(policy.freezeUntil(f.date(from: "2026-11-27T18:00:00Z")!) == f.date(from: "2026-11-28T08:00:00Z")!)
        #expect(policy.freezeUntil(f.date(from: "2026-11-28T07:59:00Z")!) == f.date(from: "2026-11-28T08:00:00Z")!)
        #expect(policy.freezeUntil(f.date(from: "2026-11-28T08:00:00Z")!) == nil)
        #expect(policy.freezeUntil(f.date(from: "2026-11-26T19:00:00Z")!) == nil)
    }

    /// Europe/Berlin moves its clocks on Sunday 2026-03-29 (02:00 → 03:00) and on Sunday
    /// 2026-10-25 (03:00 → 02:00). A 01:00–04:00 window ends at 04:00 on the clock both nights
    /// (02:00Z in March, 03:00Z in October), not three real hours after it opened.
    @Test(arguments: [
        ("2026-03-29T00:30:00Z", "2026-03-29T02:00:00Z"),   // 01:30 CET: frozen until 04:00 CEST
        ("2026-03-29T02:30:00Z", nil),                       // 04:30 CEST: open
        ("2026-10-25T01:30:00Z", "2026-10-25T03:00:00Z"),   // 02:30 CET (second 02:xx): frozen
        ("2026-10-25T02:30:00Z", "2026-10-25T03:00:00Z"),   // 03:30 CET: still frozen
        ("2026-10-25T03:00:00Z", nil),                       // 04:00 CET: open
        ("2026-10-24T23:59:00Z", "2026-10-25T03:00:00Z"),   // 01:59 CEST Sunday: frozen
    ] as [(String, String?)])
    func freezeWindowFollowsTheWallClockAcrossDaylightSaving(at: String, until: String?) throws {
        let set = ManifestLoader().load([ManifestFile(path: "p.yaml", bytes: Array(Self.policy("Deny", rules: "{freezeWindows: [{days: [Sun], start: \"01:00\", end: \"04:00\", timezone: Europe/Berlin}]}").utf8))])
        let policy = try #require(set.policies.values.first)
        let f = ISO8601DateFormatter()
        #expect(policy.freezeUntil(f.date(from: at)!) == until.map { f.date(from: $0)! })
    }

    /// A window that starts at 09:00 starts at 09:00 on the clock on the day the clocks move.
    @Test func freezeWindowStartIsTheWallClockOnTheDayClocksMove() throws {
        let set = ManifestLoader().load([ManifestFile(path: "p.yaml", bytes: Array(Self.policy("Deny", rules: "{freezeWindows: [{days: [Sun], start: \"09:00\", end: \"10:00\", timezone: Europe/Berlin}]}").utf8))])
        let policy = try #require(set.policies.values.first)
        let f = ISO8601DateFormatter()
        #expect(policy.freezeUntil(f.date(from: "2026-03-29T07:00:00Z")!) == f.date(from: "2026-03-29T08:00:00Z")!)  // 09:00 CEST
        #expect(policy.freezeUntil(f.date(from: "2026-03-29T06:59:00Z")!) == nil)
        #expect(policy.freezeUntil(f.date(from: "2026-03-29T08:00:00Z")!) == nil)
    }

    /// Patterns run on a linear-time engine: `(a+)+$`, which a backtracking engine takes days
    /// over against 30 characters, finishes at once on 20,000, matching or not.
    @Test(arguments: [(String(repeating: "a", count: 20_000) + "!", false), (String(repeating: "a", count: 20_000), true)])
    func nestedQuantifiersFinish(text: String, matches: Bool) {
        let template = "apiVersion: promptops.dev/v1alpha1\nkind: PromptTemplate\nmetadata: {name: t, namespace: s}\nspec: {text: \"\(text)\"}\n"
        let out = lines(validate([
            "p.yaml": Self.policy("Deny", rules: "{forbiddenPatterns: [{name: nested, regex: \"(a+)+$\"}]}", match: "{}"),
            "t.yaml": template,
        ]))
        #expect(out.contains { $0.contains("forbidden pattern 'nested'") } == matches, "\(out)")
    }

    /// What needs backtracking is refused where it is written, with the reason and the place.
    @Test(arguments: [("(?=x)y", "lookahead"), ("(a)\\1", "backreference"), ("a{5,2}", "at character 2")])
    func unsupportedPatternsAreLocatedErrors(pattern: String, word: String) {
        let out = lines(validate(["p.yaml": Self.policy("Deny", rules: "{forbiddenPatterns: [{name: x, regex: '\(pattern)'}]}")]))
        let error = out.first { $0.contains("is not a pattern PromptOps can run") }
        #expect(error?.hasPrefix("p.yaml:7:") == true, "\(out)")
        #expect(error?.lowercased().contains(word) == true, "\(out)")
    }
}
