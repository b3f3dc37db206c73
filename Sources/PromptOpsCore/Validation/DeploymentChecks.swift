/// Checks on one Deployment beyond the schema.
enum DeploymentChecks {
    static func check(_ d: Deployment, templates: [String: CompiledNamespace.Entry]) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func add(_ severity: Severity, _ node: LocatedValue?, _ message: String) {
            out.append(Diagnostic(severity, at: node?.location ?? d.document.location, message,
                                  kind: "Deployment", name: d.meta.name, namespace: d.meta.namespace))
        }
        if !d.template.isEmpty && templates[d.template] == nil {
            add(.error, d.document.at("spec", "template"),
                "spec.template: there is no PromptTemplate '\(d.template)' in namespace '\(d.meta.namespace)'")
        }
        let strategy = d.document.at("spec", "strategy")
        switch d.strategy {
        case .canary:
            if d.steps.isEmpty {
                add(.error, strategy, "spec.strategy: a Canary strategy needs canary.steps")
            }
            let stepNodes = d.document.at("spec", "strategy", "canary", "steps")?.array ?? []
            for (i, step) in d.steps.enumerated() where step == .analysis {
                if d.analysis == nil {
                    add(.error, i < stepNodes.count ? stepNodes[i] : strategy,
                        "spec.strategy.canary.steps[\(i)]: an analysis step needs spec.analysis with metrics")
                }
            }
        case .direct:
            if d.document.at("spec", "strategy", "canary") != nil {
                add(.warning, d.document.at("spec", "strategy", "canary"),
                    "spec.strategy.canary is ignored because strategy.type is Direct")
            }
        }
        var metricNames: Set<String> = []
        for (i, metric) in (d.analysis?.metrics ?? []).enumerated() {
            let node = d.document.at("spec", "analysis", "metrics")?.array?[i]
            if !metricNames.insert(metric.name).inserted {
                add(.error, node, "spec.analysis.metrics[\(i)]: metric name '\(metric.name)' is used twice")
            }
            if metric.min == nil && metric.max == nil {
                add(.error, node?["thresholdRange"], "spec.analysis.metrics[\(i)].thresholdRange: set min, max or both")
            }
            if let min = metric.min, let max = metric.max, min > max {
                add(.error, node?["thresholdRange"], "spec.analysis.metrics[\(i)].thresholdRange: min \(min) is above max \(max)")
            }
        }
        return out
    }
}
