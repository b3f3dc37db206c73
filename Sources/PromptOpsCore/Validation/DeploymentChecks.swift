/// Checks on one Deployment beyond the schema.
enum DeploymentChecks {
    static func check(_ d: Deployment, templates: [String: CompiledNamespace.Entry]) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let document = d.document  // read once: a Deployment keeps it packed
        func add(_ severity: Severity, _ node: LocatedValue?, _ message: String) {
            out.append(Diagnostic(severity, at: node?.location ?? document.location, message,
                                  kind: "Deployment", name: d.meta.name, namespace: d.meta.namespace))
        }
        if !d.template.isEmpty && templates[d.template] == nil {
            add(.error, document.at("spec", "template"),
                "spec.template: there is no PromptTemplate '\(d.template)' in namespace '\(d.meta.namespace)'")
        }
        let strategy = document.at("spec", "strategy")
        switch d.strategy {
        case .canary:
            if d.steps.isEmpty {
                add(.error, strategy, "spec.strategy: a Canary strategy needs canary.steps")
            }
            let stepNodes = document.at("spec", "strategy", "canary", "steps")?.array ?? []
            for (i, step) in d.steps.enumerated() where step == .analysis {
                if !(d.analysis?.measuresSomething ?? false) {
                    add(.error, i < stepNodes.count ? stepNodes[i] : strategy,
                        "spec.strategy.canary.steps[\(i)]: an analysis step needs spec.analysis with metrics or a judge")
                }
            }
        case .experiment:
            if !(d.analysis?.measuresSomething ?? false) {
                add(.error, strategy, "spec.strategy: an Experiment needs spec.analysis with a judge or metrics to decide it")
            }
            if document.at("spec", "strategy", "canary") != nil {
                add(.warning, document.at("spec", "strategy", "canary"),
                    "spec.strategy.canary is ignored because strategy.type is Experiment (its steps are setWeight, analysis and, unless promote, a manual pause)")
            }
        case .direct:
            if document.at("spec", "strategy", "canary") != nil {
                add(.warning, document.at("spec", "strategy", "canary"),
                    "spec.strategy.canary is ignored because strategy.type is Direct")
            }
        }
        var metricNames: Set<String> = []
        for (i, metric) in (d.analysis?.metrics ?? []).enumerated() {
            let node = document.at("spec", "analysis", "metrics")?.array?[i]
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
        if let analysis = d.analysis, !analysis.measuresSomething {
            add(.error, document.at("spec", "analysis"), "spec.analysis: set metrics, a judge or both")
        }
        if let judge = d.analysis?.judge {
            let node = document.at("spec", "analysis", "judge")
            if metricNames.contains(Deployment.Judge.metricName) {
                add(.error, node, "spec.analysis.judge: its measurements are named '\(Deployment.Judge.metricName)', and a metric of spec.analysis.metrics has that name; rename the metric")
            }
            if let warning = budgetWarning(judge.settings) {
                add(.warning, node?[judge.settings.margin == 0 ? "margin" : "maxSamples"] ?? node, warning)
            }
            if let entry = templates[d.template], entry.template.tests.isEmpty {
                add(.warning, node, "spec.analysis.judge: PromptTemplate '\(d.template)' has no tests, so the judge has nothing to compare and its analysis steps will pause")
            }
        }
        return out
    }

    /// Sample-size planning at validation: the budget against the pairs a fixed-sample test
    /// with the judge's error rates needs to tell an equal canary from one worse by the margin
    /// when tests pass 95 % of the time (harder tests need more: their pairs disagree more
    /// often). Nil when the budget suffices.
    static func budgetWarning(_ settings: ComparativeJudge.Settings) -> String? {
        // A non-finite setting is a schema error already; plan nothing with it.
        guard settings.margin.isFinite, settings.falseRollback.isFinite, settings.missedRegression.isFinite else { return nil }
        if settings.margin == 0 {
            return "spec.analysis.judge.margin: with margin 0 no budget can show that a canary is not worse (an equal canary sits on the boundary): "
                + "most equal canaries will end Inconclusive (Paused); set the regression you would accept, e.g. margin: 0.02"
        }
        guard let needed = JudgePlan.fixedSamples(settings, stable: 0.95, canary: 0.95), settings.maxSamples < needed else { return nil }
        let margin = JudgePlan.points(settings.margin)
        return "spec.analysis.judge.maxSamples: \(settings.maxSamples) pairs per version are fewer than a fixed-sample test needs "
            + "(\(needed)) to tell an equal canary from one \(margin) point(s) worse with falseRollback \(settings.falseRollback) "
            + "and missedRegression \(settings.missedRegression), even with tests that pass 95 % of the time: equal canaries will "
            + "often end Inconclusive (Paused). Raise maxSamples or the margin; plan with `promptops eval --plan "
            + "--margin \(settings.margin) --max-samples \(settings.maxSamples) --pass-rate 0.95`"
    }
}
