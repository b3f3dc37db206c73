import Foundation

/// Prints a ``Plan`` for people (`text`), for machines (`json`) and for a pull-request
/// comment (`markdown`).
public enum PlanReport {
    /// Output formats of `diff`.
    public enum Format: String, Sendable, CaseIterable { case text, json, markdown }

    /// The report.
    public static func render(_ plan: Plan, format: Format, from: String? = nil) -> String {
        switch format {
        case .text: return text(plan, from: from)
        case .json: return json(plan, from: from)
        case .markdown: return markdown(plan, from: from)
        }
    }

    static func short(_ sha: String?) -> String { sha.map { String($0.prefix(12)) } ?? "store" }

    static func outcome(_ ns: NamespacePlan) -> String {
        switch ns.outcome {
        case .apply: return ns.isEmpty ? "unchanged" : "apply"
        case .blocked: return "blocked"
        case .frozen(let policy, let until): return "frozen by policy \(policy) until \(ISO8601DateFormatter().string(from: until))"
        }
    }

    static func switchLine(_ s: DeploymentSwitch) -> String {
        let from = s.fromVersion.map { "v\($0)" } ?? "nothing"
        let how = s.fromVersion == nil ? "first rollout" : (s.strategy == .canary ? "canary" : s.strategy == .experiment ? "experiment" : "direct switch")
        return "Deployment \(s.deployment): \(s.template) \(from) → v\(s.toVersion) (\(how))"
    }

    static func text(_ plan: Plan, from: String?) -> String {
        var out = "Plan \(short(from)) → \(short(plan.revision))\n"
        for ns in plan.namespaces where !(ns.isEmpty && ns.outcome == .apply && ns.warnings.isEmpty) {
            out += "\nnamespace \(ns.name): \(outcome(ns))\n"
            for c in ns.added { out += "  + \(c.kind) \(c.name)\n" }
            for c in ns.changed { out += "  ~ \(c.kind) \(c.name)\n" }
            for c in ns.removed { out += "  - \(c.kind) \(c.name)\n" }
            for v in ns.newVersions { out += "  new version \(v.template) v\(v.version) \(v.hash.prefix(12))\n" }
            for s in ns.switches { out += "  \(switchLine(s))\n" }
            for d in ns.diffs {
                for m in d.messages { out += "\n  \(d.template) \(m.label):\n" + m.diff.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }.joined(separator: "\n") }
                out += "\n"
            }
            for e in ns.errors { out += "  \(e)\n" }
            for w in ns.warnings { out += "  \(w)\n" }
        }
        if plan.isEmpty && plan.namespaces.allSatisfy({ $0.warnings.isEmpty }) { out += "no changes\n" }
        return out
    }

    static func markdown(_ plan: Plan, from: String?) -> String {
        var out = "### PromptOps plan `\(short(from))` → `\(short(plan.revision))`\n\n"
        let active = plan.namespaces.filter { !($0.isEmpty && $0.outcome == .apply && $0.warnings.isEmpty) }
        if active.isEmpty { return out + "No changes.\n" }
        out += "| namespace | result | added | changed | removed | new versions | deployments |\n|---|---|---|---|---|---|---|\n"
        for ns in active {
            let icon = ns.outcome == .blocked ? "❌" : (ns.outcome == .apply ? "✅" : "⏸️")
            out += "| `\(ns.name)` | \(icon) \(outcome(ns)) | \(ns.added.count) | \(ns.changed.count) | \(ns.removed.count) | \(ns.newVersions.count) | \(ns.switches.count) |\n"
        }
        for ns in active {
            out += "\n#### `\(ns.name)`\n\n"
            for c in ns.added { out += "- ➕ \(c.kind) `\(c.name)`\n" }
            for c in ns.changed { out += "- ✏️ \(c.kind) `\(c.name)`\n" }
            for c in ns.removed { out += "- ➖ \(c.kind) `\(c.name)`\n" }
            for v in ns.newVersions { out += "- 🆕 `\(v.template)` v\(v.version) (`\(v.hash.prefix(12))`)\n" }
            for s in ns.switches { out += "- 🚀 \(switchLine(s))\n" }
            for e in ns.errors { out += "- ❌ `\(e.location)` \(e.message)\n" }
            for w in ns.warnings { out += "- ⚠️ `\(w.location)` \(w.message)\n" }
            for d in ns.diffs {
                for m in d.messages {
                    out += "\n<details><summary><code>\(d.template)</code> \(m.label)</summary>\n\n```diff\n\(m.diff)```\n\n</details>\n"
                }
            }
        }
        return out
    }

    static func json(_ plan: Plan, from: String?) -> String {
        func diag(_ d: Diagnostic) -> [String: Any] {
            ["path": d.location.path, "line": d.location.line, "column": d.location.column, "severity": d.severity.rawValue,
             "message": d.message, "kind": d.kind ?? NSNull(), "name": d.name ?? NSNull(), "namespace": d.namespace ?? NSNull()]
        }
        let namespaces: [[String: Any]] = plan.namespaces.map { ns in
            var o: [String: Any] = [
                "name": ns.name,
                "added": ns.added.map { ["kind": $0.kind, "name": $0.name] },
                "changed": ns.changed.map { ["kind": $0.kind, "name": $0.name] },
                "removed": ns.removed.map { ["kind": $0.kind, "name": $0.name] },
                "newVersions": ns.newVersions.map { ["template": $0.template, "version": $0.version, "hash": $0.hash] },
                "switches": ns.switches.map {
                    ["deployment": $0.deployment, "template": $0.template, "strategy": $0.strategy.rawValue,
                     "fromVersion": $0.fromVersion.map { $0 as Any } ?? NSNull(), "fromHash": $0.fromHash ?? NSNull(),
                     "toVersion": $0.toVersion, "toHash": $0.toHash] as [String: Any]
                },
                "diffs": ns.diffs.map { d in ["template": d.template, "messages": d.messages.map { ["label": $0.label, "diff": $0.diff] }] },
                "errors": ns.errors.map(diag),
                "warnings": ns.warnings.map(diag),
            ]
            switch ns.outcome {
            case .apply: o["outcome"] = ns.isEmpty ? "unchanged" : "apply"
            case .blocked: o["outcome"] = "blocked"
            case .frozen(let policy, let until):
                o["outcome"] = "frozen"
                o["frozenBy"] = policy
                o["frozenUntil"] = ISO8601DateFormatter().string(from: until)
            }
            return o
        }
        let root: [String: Any] = ["from": from ?? NSNull(), "to": plan.revision, "namespaces": namespaces]
        let data = try! JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
