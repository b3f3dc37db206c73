import HTTPTypes
import Foundation
import Hummingbird
import PromptOpsCore
import PromptOpsMustache
import PromptOpsStore

extension ServingAPI {
    /// `GET /ui/namespaces/{ns}/deployments/{name}`: phase, stable and canary, the step list
    /// with the current step, every measurement of the rollout as a chart per metric (its
    /// thresholds drawn), the canary weight over time, switch history and events.
    func deploymentPage(_ request: Request, _ context: Context) throws -> Response {
        let (shown, namespace) = context.namespace, name = context.pathParameter("name")
        guard let d = try store.deployment(namespace: namespace, name: name) else {
            throw APIError.notFound("deployment_not_found", "no Deployment '\(name)' served in namespace '\(shown)'")
        }
        let nsStatus = try store.status().namespaces.first { $0.name == namespace }
        let machine = try store.rollout(namespace: namespace, deployment: name)?.machine
        let measured = try store.rolloutMeasurements(namespace: namespace, deployment: name, rollout: nil, limit: 2000)
        let weights = try store.weightTimeline(namespace: namespace, deployment: name)
        let history = try store.history(namespace: namespace, name: name)?.rollouts ?? []
        let events = try store.events(namespace: namespace, kind: "Deployment", name: name, limit: 50)
        let now = Date()

        // Steps: done before the current one, the current one marked.
        let steps = machine?.spec?.steps ?? []
        let current = machine?.canary == nil ? nil : machine?.stepIndex
        let stepValues: [MustacheValue] = steps.enumerated().map { i, step in
            let state = current.map { i < $0 ? "done" : i == $0 ? "current" : "todo" } ?? "todo"
            return ["text": .string(Self.describe(step)), "stateClass": .string(state), "current": .bool(i == current)]
        }

        // A chart per metric over the whole rollout, in the order metrics first appear.
        let analysis = machine?.spec?.analysis
        var order: [String] = []
        var byMetric: [String: [StoredMeasurement]] = [:]
        for m in measured?.measurements ?? [] {
            if byMetric[m.measurement.metric] == nil { order.append(m.measurement.metric) }
            byMetric[m.measurement.metric, default: []].append(m)
        }
        let charts: [MustacheValue] = order.enumerated().map { index, metric in
            let list = byMetric[metric] ?? []
            var lines: [SVGChart.Line] = []
            var caption = "\(metric) per measurement"
            if metric == Deployment.Judge.metricName, let margin = analysis?.judge?.settings.margin {
                lines = [SVGChart.Line(value: -margin, label: "−margin \(HTMLText.number(margin))"), SVGChart.Line(value: 0, label: "no difference")]
                caption = "Judge: canary minus stable pass rate per round, with the margin"
            } else if let spec = analysis?.metrics.first(where: { $0.name == metric }) {
                if let min = spec.min { lines.append(SVGChart.Line(value: min, label: "min \(HTMLText.number(min))")) }
                if let max = spec.max { lines.append(SVGChart.Line(value: max, label: "max \(HTMLText.number(max))")) }
                let passes = [spec.min.map { "at least \(HTMLText.number($0))" }, spec.max.map { "at most \(HTMLText.number($0))" }]
                    .compactMap { $0 }.joined(separator: " and ")
                if !passes.isEmpty { caption += " (passes \(passes))" }
            }
            let chart = SVGChart(
                title: "\(metric) over time", summary: "\(list.count) measurements of \(metric) for canary v\(measured?.rollout ?? 0); failed and erroneous ones marked.",
                points: list.map { m in
                    SVGChart.Point(time: m.measurement.at, value: m.measurement.value,
                                   marked: m.measurement.verdict == .failed || m.measurement.verdict == .error)
                }, lines: lines)
            return [
                "svg": .string(chart.svg(id: "m\(index)")), "caption": .string(caption), "metric": .string(metric),
                "rows": .array(list.suffix(100).reversed().map { m in [
                    "time": .string(HTMLText.time(m.measurement.at)),
                    "value": .string(m.measurement.value.map(HTMLText.number) ?? "—"),
                    "verdict": .string(m.measurement.verdict.rawValue + (m.measurement.message.map { ": " + $0 } ?? "")),
                ] }),
            ]
        }
        let judge = (measured?.measurements ?? []).last { $0.measurement.judge != nil }?.measurement.judge
        let weightChart = SVGChart(
            title: "Canary weight over time", summary: "Share of keys the canary served, from \(weights.count) changes.",
            points: weights.map { SVGChart.Point(time: $0.time, value: Double($0.weight)) }, steps: true, range: 0...100, until: now)

        var values: [String: MustacheValue] = [
            "phase": .string(d.phase), "phaseClass": .string(d.phase),
            "template": .string(d.template), "templateHref": .string(Self.uiHref(namespace: namespace, template: d.template)),
            "strategy": .string(d.strategy), "environment": d.environment.map { .string($0) } ?? .null,
            "stable": .int(d.stable.version), "stableHash": .string(String(d.stable.hash.prefix(12))),
            "canary": d.canary.map { .int($0.version) } ?? .null, "canaryHash": .string(String((d.canary?.hash ?? "").prefix(12))),
            "weight": .int(d.canary?.weight ?? 0), "revision": .string(String(d.revision.prefix(12))),
            "time": .string(HTMLText.time(d.updatedAt)), "machineTime": .string(HTMLText.machineTime(d.updatedAt)),
            "conditions": .array(DeploymentCondition.all(for: d, namespace: nsStatus).map { c in [
                "type": .string(c.type), "status": .string(c.status ? "True" : "False"), "reason": .string(c.reason), "message": .string(c.message),
            ] }),
            "hasSteps": .bool(!stepValues.isEmpty), "steps": .array(stepValues),
            "rollout": measured.map { .int($0.rollout) } ?? .null,
            "charts": .array(charts),
            "judge": judge.map { r in [
                "pairs": .int(r.samples), "estimate": .string(String(format: "%+.3f", r.difference)),
                "lower": .string(String(format: "%+.3f", r.lower)), "upper": .string(String(format: "%+.3f", r.upper)),
                "margin": .string(HTMLText.number(r.margin)), "decision": .string(r.decision),
            ] } ?? .null,
            "weightChart": .string(weightChart.svg(id: "weight")),
            "hasHistory": .bool(!history.isEmpty),
            "history": .array(history.reversed().map { h in [
                "time": .string(HTMLText.time(h.time)), "machineTime": .string(HTMLText.machineTime(h.time)), "action": .string(h.action),
                "from": h.from.map { .int($0.version) } ?? .null, "to": .int(h.to.version), "revision": .string(String(h.revision.prefix(12))),
            ] }),
        ]
        values.merge(eventValues(events.reversed(), caption: "This Deployment's latest events, newest first")) { a, _ in a }
        return htmlPage("deployment", title: name, heading: "Deployment \(name)",
                        crumbs: [("/ui/", "Overview"), (Self.uiHref(namespace: namespace), namespace)],
                        live: (namespace, name), context: context, values)
    }

    /// A step as a sentence.
    static func describe(_ step: Deployment.Step) -> String {
        switch step {
        case .setWeight(let w): return "Set the canary's weight to \(w)%"
        case .pause(let duration?): return "Pause for \(duration.formatted(.units(allowed: [.hours, .minutes, .seconds], width: .abbreviated)))"
        case .pause(nil): return "Pause until promoted"
        case .analysis: return "Analysis"
        }
    }

    /// `GET /ui/namespaces/{ns}/templates/{name}?from=N&to=M`: the served version, every stored
    /// version with commit, author and signer, and a line diff of each message between two
    /// versions, rendered with the inputs of the newer version's first test.
    func templatePage(_ request: Request, _ context: Context) throws -> Response {
        let (shown, namespace) = context.namespace, name = context.pathParameter("name")
        guard let t = try store.template(namespace: namespace, name: name) else {
            throw APIError.notFound("template_not_found", "no PromptTemplate '\(name)' served in namespace '\(shown)'")
        }
        let query = request.uri.queryParameters
        let numbers = t.versions.map(\.version)
        let newest = numbers.max() ?? t.version
        let to = try Self.integer(query["to"], name: "to", minimum: 1).map(Int.init) ?? newest
        let from = try Self.integer(query["from"], name: "from", minimum: 1).map(Int.init) ?? (numbers.filter { $0 < to }.max() ?? to)
        for v in [from, to] where !numbers.contains(v) {
            throw APIError.notFound("version_not_found", "PromptTemplate '\(name)' in namespace '\(shown)' has no version \(v)")
        }
        var diff: MustacheValue = .null
        if numbers.count > 1,
           let old = try store.templateVersion(namespace: namespace, name: name, version: from),
           let new = try store.templateVersion(namespace: namespace, name: name, version: to) {
            diff = Self.messageDiff(old: old, new: new, namespace: namespace, template: name)
        }
        let owner = try owner(of: namespace)
        let served = try store.templateVersion(namespace: namespace, name: name, version: t.version)
        let description = served.flatMap { CompiledNamespace(effectiveJSON: $0.effective.text, namespace: namespace, template: name) }?
            .entries[name]?.template.description
        return htmlPage("template", title: name, heading: "PromptTemplate \(name)",
                        crumbs: [("/ui/", "Overview"), (Self.uiHref(namespace: namespace), namespace)], context: context, [
            "version": .int(t.version), "hash": .string(String(t.hash.prefix(12))), "path": .string(t.path),
            "revision": .string(String(t.revision.prefix(12))),
            "fileHref": owner.flatMap { configuration.browse[$0]?.url(revision: t.revision, path: t.path, line: 1) }.map { .string($0) } ?? .null,
            "description": description.map { .string($0) } ?? .null,
            "labels": .array(t.labels.keys.sorted().map { ["key": .string($0), "value": .string(t.labels[$0] ?? "")] }),
            "versions": .array(t.versions.map { v in [
                "version": .int(v.version), "hash": .string(String(v.hash.prefix(12))), "revision": .string(String(v.revision.prefix(12))),
                "author": .string(v.author.isEmpty ? v.authorEmail : "\(v.author) <\(v.authorEmail)>"),
                "signer": .string(v.signer.map { "\($0.principal) (\($0.mode))" } ?? "—"),
                "time": .string(HTMLText.time(v.createdAt)), "machineTime": .string(HTMLText.machineTime(v.createdAt)),
            ] }),
            "fromOptions": .array(numbers.map { ["version": .int($0), "selected": .bool($0 == from)] }),
            "toOptions": .array(numbers.map { ["version": .int($0), "selected": .bool($0 == to)] }),
            "diff": diff,
        ])
    }

    /// Each message of two versions, rendered with the same inputs (the newer version's first
    /// test, else the older's) and diffed line by line; a version that cannot render with
    /// them shows its message templates instead, and the page says so.
    static func messageDiff(old: TemplateVersionDetail, new: TemplateVersionDetail, namespace: String, template: String) -> MustacheValue {
        let a = CompiledNamespace(effectiveJSON: old.effective.text, namespace: namespace, template: template)
        let b = CompiledNamespace(effectiveJSON: new.effective.text, namespace: namespace, template: template)
        let test = b?.entries[template]?.template.tests.first ?? a?.entries[template]?.template.tests.first
        func messages(_ compiled: CompiledNamespace?) -> (list: [(String, String)], rendered: Bool) {
            guard let compiled, let entry = compiled.entries[template] else { return ([], false) }
            if let test, case .success(let prompt) = compiled.render(template, values: test.vars) {
                switch prompt {
                case .messages(let list): return (list.enumerated().map { ("messages[\($0.offset)] (\($0.element.role))", $0.element.content) }, true)
                case .text(let text): return ([("text", text)], true)
                }
            }
            return (entry.template.body.sources.map { ($0.label, $0.source.text) }, false)
        }
        let (left, leftRendered) = messages(a), (right, rightRendered) = messages(b)
        let basis = leftRendered && rightRendered ? "rendered with the inputs of test \(test?.name ?? "")"
            : test == nil ? "message templates (no test gives inputs to render with)" : "message templates (a version does not render with the test's inputs)"
        let count = max(left.count, right.count)
        let rows: [MustacheValue] = (0..<count).map { i in
            let label = i < right.count ? right[i].0 : left[i].0
            let diff = LineDiff(from: i < left.count ? left[i].1 : "", to: i < right.count ? right[i].1 : "")
            return [
                "label": .string(label), "unchanged": .bool(diff.isEmpty), "tooLarge": .bool(diff.isTooLarge),
                "rows": .array(diff.rows.map { r in [
                    "kind": .string(r.kind.rawValue), "text": .string(r.text),
                    "old": r.old.map { .int($0) } ?? .null, "new": r.new.map { .int($0) } ?? .null,
                    "mark": .string(r.kind == .added ? "+" : r.kind == .removed ? "−" : ""),
                ] }),
            ]
        }
        return ["from": .int(old.version), "to": .int(new.version), "basis": .string(basis), "messages": .array(rows)]
    }
}
