import Foundation

/// Computes a ``Plan``: desired state at a revision against what is served. Pure: the
/// time for freeze windows is passed in.
public enum Planner {
    /// Plans `desired` against `served` at `now`.
    ///
    /// `platformPolicies` govern a namespace git no longer defines too: emptying a namespace
    /// (a prune) waits for a platform freeze window like any other change.
    public static func plan(revision: String, desired: DesiredState, served: ServedState, now: Date,
                            platformPolicies: [Policy] = []) -> Plan {
        let names = Set(desired.namespaces.keys).union(served.namespaces.keys).sorted()
        let plans = names.map { name in
            let wanted = desired.namespaces[name] ?? DesiredNamespace(
                name: name, errors: [], warnings: [], templates: [:], deployments: [:], policies: [:],
                policyRules: platformPolicies.filter { $0.governs(name) })
            return plan(namespace: name, desired: wanted, served: served.namespaces[name] ?? ServedNamespace(name: name), now: now)
        }
        return Plan(revision: revision, namespaces: plans)
    }

    /// Plans one namespace: `desired` against `served`, object by object (a Deployment's
    /// template must be in `desired` to be switched). `served` may hold only the rows of some
    /// objects when `desired` holds the same objects (see ``DesiredState/narrow(namespace:set:compiled:diagnostics:templates:deployments:)``).
    public static func plan(namespace name: String, desired: DesiredNamespace?, served: ServedNamespace, now: Date) -> NamespacePlan {
        let desired = desired ?? DesiredNamespace(name: name, errors: [], warnings: [], templates: [:], deployments: [:], policies: [:], policyRules: [])
        var plan = NamespacePlan(name: name, outcome: .apply, errors: desired.errors, warnings: desired.warnings)
        // Changes are computed even when blocked or frozen, so `diff` and status can show them.
        let desiredObjects = Dictionary(grouping: desired.objects, by: \.kind)
        for kind in APISchemas.kinds {
            let want = Dictionary(uniqueKeysWithValues: (desiredObjects[kind] ?? []).map { ($0.name, $0) })
            let have = served.objects[kind] ?? [:]
            for name in want.keys.sorted() {
                let object = want[name]!
                if let current = have[name] {
                    // Labels alone are written too (status and Policies' requiredLabels read them;
                    // a one-shot sync restores unchanged files from these rows).
                    if current.hash != object.hash || current.specJSON != object.specJSON || current.path != object.path
                        || current.labelsJSON != object.labelsJSON {
                        if current.hash != object.hash { plan.changed.append(ObjectChange(kind: kind, name: name)) }
                        plan.upserts.append(object)
                    }
                } else {
                    plan.added.append(ObjectChange(kind: kind, name: name))
                    plan.upserts.append(object)
                }
            }
            for name in have.keys.sorted() where want[name] == nil {
                plan.removed.append(ObjectChange(kind: kind, name: name))
            }
        }
        for name in desired.templates.keys.sorted() {
            let template = desired.templates[name]!
            let hash = template.object.hash
            if served.version(of: name, hash: hash) == nil {
                plan.newVersions.append(NewVersion(template: name, version: served.latestVersion(of: name) + 1, hash: hash,
                                                   specJSON: template.object.specJSON, effectiveJSON: template.effectiveJSON))
            }
            if let old = served.objects["PromptTemplate"]?[name], old.hash != hash {
                let messages = TemplateText.diff(oldSpecJSON: old.specJSON, newSpecJSON: template.object.specJSON)
                if !messages.isEmpty { plan.diffs.append(TemplateDiff(template: name, messages: messages)) }
            }
        }
        for name in desired.deployments.keys.sorted() {
            let deployment = desired.deployments[name]!
            guard let template = desired.templates[deployment.template] else { continue }
            let hash = template.object.hash
            let version = served.version(of: deployment.template, hash: hash)
                ?? plan.newVersions.first { $0.template == deployment.template }?.version ?? 0
            let current = served.deployments[name]
            // A Canary Deployment whose canary already is this version has nothing to switch:
            // the rollout carries it (planning it again recorded a phantom switch and a second
            // apply after every controller restart during a canary).
            let runningAsCanary = deployment.strategy.isGradual && current?.template == deployment.template && current?.canaryHash == hash
            if (current?.hash != hash || current?.template != deployment.template) && !runningAsCanary {
                plan.switches.append(DeploymentSwitch(
                    deployment: name, template: deployment.template, strategy: deployment.strategy,
                    fromVersion: current?.version, fromHash: current?.hash, toVersion: version, toHash: hash))
            }
        }
        if !plan.errors.isEmpty {
            plan.outcome = .blocked
        } else if !plan.isEmpty, let freeze = activeFreeze(desired.policyRules, now: now) {
            plan.outcome = .frozen(policy: freeze.policy, until: freeze.until)
        }
        return plan
    }

    /// The freeze window open at `now` that ends last, with its policy.
    static func activeFreeze(_ policies: [Policy], now: Date) -> (policy: String, until: Date)? {
        policies.compactMap { p in p.freezeUntil(now).map { (p.meta.name, $0) } }.max { $0.1 < $1.1 }
    }
}
