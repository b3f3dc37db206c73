import Foundation

/// Evaluates one Policy against the objects of its namespace. A `Deny` violation is an
/// error of the offending object, a `Warn` violation a warning; each points at the node.
public struct PolicyEvaluator: Sendable {
    /// The policy.
    public var policy: Policy

    /// Creates an evaluator.
    public init(policy: Policy) {
        self.policy = policy
    }

    /// Problems in the policy itself that the schema cannot see (an unknown time zone).
    public static func checkDefinition(_ policy: Policy) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let windows = policy.document.at("spec", "rules", "freezeWindows")?.array ?? []
        for (i, node) in windows.enumerated() {
            if let tz = node["timezone"], let id = tz.string, TimeZone(identifier: id) == nil {
                out.append(Diagnostic(.error, at: tz.location,
                    "spec.rules.freezeWindows[\(i)].timezone: '\(id)' is not a known IANA time zone (e.g. UTC, Europe/Berlin)",
                    kind: "Policy", name: policy.meta.name, namespace: policy.meta.namespace))
            }
        }
        return out
    }

    /// Whether the policy applies to objects of `kind` with `labels`.
    func matches(kind: String, labels: [String: String]) -> Bool {
        if !policy.kinds.isEmpty && !policy.kinds.contains(kind) { return false }
        return policy.matchLabels.allSatisfy { labels[$0.key] == $0.value }
    }

    /// Violations in `templates` and `deployments` (all of the policy's namespace).
    public func evaluate(templates: [PromptTemplate], deployments: [Deployment]) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let severity: Severity = policy.enforcement == .deny ? .error : .warning
        let prefix = policy.namespaces == nil
            ? "policy '\(policy.meta.name)' (\(policy.enforcement.rawValue))"
            : "platform policy '\(policy.meta.namespace)/\(policy.meta.name)' (\(policy.enforcement.rawValue))"
        func violation(_ key: ObjectKey, _ node: LocatedValue, _ message: String) {
            out.append(Diagnostic(severity, at: node.location, "\(prefix): \(message)",
                                  kind: key.kind, name: key.name, namespace: key.namespace))
        }
        let inEnvironment: (Deployment) -> Bool = { d in
            policy.environments.isEmpty || policy.environments.contains(d.environment ?? "")
        }
        let matchedDeployments = deployments.filter {
            inEnvironment($0) && matches(kind: "Deployment", labels: $0.meta.labels)
        }
        let servedTemplates = Set(deployments.filter(inEnvironment).map(\.template))
        let matchedTemplates = templates.filter {
            (policy.environments.isEmpty || servedTemplates.contains($0.meta.name))
                && matches(kind: "PromptTemplate", labels: $0.meta.labels)
        }
        let rules = policy.rules
        // Compiled once per evaluation; a pattern that does not compile is a schema error already.
        let patterns = rules.forbiddenPatterns.compactMap { p in (try? LinearRegex(p.regex)).map { (p, $0) } }
        for d in matchedDeployments.sorted(by: { $0.meta.name < $1.meta.name }) {
            // Read only for a violation's position, and then once: a Deployment keeps it packed.
            lazy var document = d.document
            lazy var spec = document["spec"] ?? document
            if let required = rules.requireStrategy, d.strategy != required {
                violation(d.key, document.at("spec", "strategy", "type") ?? spec,
                          "Deployments must use strategy \(required.rawValue), this one uses \(d.strategy.rawValue)")
            }
            lazy var stepNodes = document.at("spec", "strategy", "canary", "steps")?.array ?? []
            if let maxWeight = rules.maxStepWeight, d.strategy == .canary {
                let lastAnalysis = d.steps.lastIndex(of: .analysis) ?? d.steps.count
                for (i, step) in d.steps.enumerated() where i < lastAnalysis {
                    if case .setWeight(let w) = step, w > maxWeight {
                        violation(d.key, stepNodes.indices.contains(i) ? (stepNodes[i]["setWeight"] ?? stepNodes[i]) : spec,
                                  "setWeight \(w) is above maxStepWeight \(maxWeight) before the last analysis")
                    }
                }
            }
            // An Experiment's split comes before its analysis too.
            if let maxWeight = rules.maxStepWeight, let experiment = d.experiment, experiment.weight > maxWeight {
                violation(d.key, document.at("spec", "strategy", "experiment", "weight") ?? document.at("spec", "strategy") ?? spec,
                          "experiment weight \(experiment.weight) is above maxStepWeight \(maxWeight)")
            }
            if rules.requireAnalysis && d.strategy.isGradual
                && (!d.steps.contains(.analysis) || !(d.analysis?.measuresSomething ?? false)) {
                violation(d.key, document.at("spec", "strategy") ?? spec,
                          "canary steps must include an analysis step backed by spec.analysis metrics or a judge")
            }
            requireLabels(d.key, d.meta.labels,
                          at: (document.at("metadata", "labels") ?? document["metadata"] ?? document).location, violation)
        }
        for t in matchedTemplates.sorted(by: { $0.meta.name < $1.meta.name }) {
            let spec = LocatedValue(.null, at: t.origin.spec)
            func at(_ location: SourceLocation?) -> LocatedValue { location.map { LocatedValue(.null, at: $0) } ?? spec }
            if let allowed = rules.allowedModels {
                if let model = t.modelName, !allowed.contains(model) {
                    violation(t.key, at(t.origin.modelName),
                              "model '\(model)' is not allowed; allowed: \(allowed.joined(separator: ", "))")
                }
            }
            if let maxTokens = rules.maxTokens {
                let tokens = TokenEstimate.tokens(in: t.body.sources.map(\.source.text).joined(separator: "\n"))
                if tokens > maxTokens {
                    violation(t.key, at(t.origin.body),
                              "template text is about \(tokens) tokens; maxTokens is \(maxTokens)")
                }
            }
            if let minTests = rules.minTests, t.tests.count < minTests {
                violation(t.key, at(t.origin.tests),
                          "template has \(t.tests.count) test\(t.tests.count == 1 ? "" : "s"); at least \(minTests) required")
            }
            for (pattern, regex) in patterns {
                for (label, source) in t.body.sources {
                    // Linear time in the text (no backtracking), and a step budget besides:
                    // a pattern too costly for this text is an error, never a stalled pass.
                    do throws(LinearRegexBudgetExceeded) {
                        if let match = try regex.firstMatch(in: source.text, budget: Self.matchBudget) {
                            let (line, column) = Self.lineColumn(of: match.lowerBound, in: source.text)
                            violation(t.key, LocatedValue(.null, at: source.fileLocation(line: line, column: column)),
                                      "\(label) contains forbidden pattern '\(pattern.name)'")
                        }
                    } catch {
                        violation(t.key, LocatedValue(.null, at: source.fileLocation(line: 1, column: 1)),
                                  "\(label): forbidden pattern '\(pattern.name)' needs more than \(error.budget) steps on this text; simplify the pattern")
                    }
                }
            }
            requireLabels(t.key, t.meta.labels, at: t.origin.labels, violation)
        }
        return out
    }

    private func requireLabels(_ key: ObjectKey, _ labels: [String: String], at location: @autoclosure () -> SourceLocation,
                               _ violation: (ObjectKey, LocatedValue, String) -> Void) {
        let missing = policy.rules.requiredLabels.filter { labels[$0] == nil }
        if !missing.isEmpty {
            violation(key, LocatedValue(.null, at: location()),
                      "missing required label\(missing.count == 1 ? "" : "s"): \(missing.joined(separator: ", "))")
        }
    }

    /// VM steps one forbidden pattern may take on one text (the engine is linear: about
    /// text length × pattern size steps).
    static let matchBudget = 50_000_000

    /// 1-based line and column of a string index.
    static func lineColumn(of index: String.Index, in text: String) -> (Int, Int) {
        var line = 1
        var column = 1
        for ch in text[..<index] {
            if ch == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }
}

/// A model-independent token estimate: about four characters per token.
public enum TokenEstimate {
    /// Estimated tokens in `text`.
    public static func tokens(in text: String) -> Int { (text.count + 3) / 4 }
}
