import HTTPTypes
import Foundation
import Hummingbird
import PromptOpsCore
import PromptOpsMustache
import PromptOpsStore

extension ServingAPI {
    /// Rows of a page of the dashboard's lists.
    static let uiPage = 100

    /// `GET /ui/`: every source and namespace the caller sees, with errors located (and linked
    /// to the git host), and the latest sync passes as a chart.
    func overviewPage(_ request: Request, _ context: Context) throws -> Response {
        let status = try visibleStatus(context)
        let after = request.uri.queryParameters["after"].map(String.init)
        let owners = try store.namespaceOwners()
        let ownerOf = Dictionary(owners.flatMap { source, names in names.map { ($0, source) } }, uniquingKeysWith: { a, _ in a })
        // Without a config file (`--repo`), the one source is the store's top-level status.
        var listed = status.sources.map { s in
            SourceRow(name: s.name, url: s.url, branch: s.branch, revision: s.revision, attempted: s.attemptedRevision,
                      time: s.lastSyncTime, lastError: s.lastError, errors: s.errors)
        }
        if listed.isEmpty, status.revision != nil || status.lastError != nil, context.grant?.seesAll ?? true {
            listed = [SourceRow(name: "default", url: "", branch: status.branch ?? "", revision: status.revision,
                                attempted: status.attemptedRevision, time: status.lastSyncTime, lastError: status.lastError, errors: [])]
        }
        let sources: [MustacheValue] = listed.map { s in
            let failing = s.lastError != nil || !s.errors.isEmpty
            return [
                "name": .string(s.name), "url": .string(s.url), "branch": .string(s.branch),
                "revision": .string(String((s.revision ?? "").prefix(12))),
                "time": .string(HTMLText.time(s.time)), "machineTime": .string(HTMLText.machineTime(s.time)),
                "state": .string(failing ? "Failing" : (s.revision == nil ? "Waiting" : "Synced")),
                "stateClass": .string(failing ? "bad" : "ok"),
                "lastError": s.lastError.map { .string($0) } ?? .null,
                "diagnostics": diagnostics(s.errors, source: s.name, revision: s.attempted ?? s.revision),
            ]
        }
        var shown = status.namespaces.filter { ns in after.map { ns.name > $0 } ?? true }
        let more = shown.count > Self.uiPage
        shown = Array(shown.prefix(Self.uiPage))
        let namespaces: [MustacheValue] = shown.map { ns in
            let (state, stateClass): (String, String) =
                !ns.errors.isEmpty ? ("Blocked (\(ns.errors.count) error\(ns.errors.count == 1 ? "" : "s"))", "bad")
                : ns.frozenBy != nil ? ("Frozen by \(ns.frozenBy!)", "warn")
                : ns.isUpToDate ? ("Synced", "ok") : ("Behind", "warn")
            return [
                "name": .string(ns.name), "href": .string(Self.uiHref(namespace: ns.name)),
                "applied": .string(String((ns.lastAppliedRevision ?? "").prefix(12))),
                "time": .string(HTMLText.time(ns.lastAppliedAt)), "machineTime": .string(HTMLText.machineTime(ns.lastAppliedAt)),
                "state": .string(state), "stateClass": .string(stateClass),
                "diagnostics": diagnostics(ns.errors + ns.warnings, source: ownerOf[ns.name], revision: ns.lastAttemptedRevision),
            ]
        }
        // Controller-wide, like the status's top-level fields: only for a token that sees all.
        let passes = context.grant?.seesAll ?? true ? metrics.recentSyncs() : []
        let chart = SVGChart(
            title: "Sync pass durations", summary: "Duration in milliseconds of the latest \(passes.count) sync passes of this controller; failed passes marked.",
            points: passes.map { SVGChart.Point(time: $0.time, value: $0.seconds * 1000, marked: !$0.success) })
        return htmlPage("overview", title: "Overview", live: ("", ""), context: context, [
            "hasSources": .bool(!sources.isEmpty), "sources": .array(sources),
            "hasNamespaces": .bool(!namespaces.isEmpty), "namespaces": .array(namespaces),
            "next": more ? .string("/ui/?after=" + HTMLText.segment(shown.last?.name ?? "")) : .null,
            "passChart": context.grant?.seesAll ?? true
                ? .string(chart.svg(id: "passes") + "<p class=\"none\">Milliseconds per pass (this process).</p>") : .null,
        ])
    }

    /// The source recorded as writing `namespace` (whose `browseURL` links its files).
    func owner(of namespace: String) throws -> String? {
        try store.namespaceOwners().first { $0.value.contains(namespace) }?.key
    }

    /// Diagnostics as the `diagnostics` partial shows them: `path:line:col`, linked to the
    /// file on the git host when the source has a browse URL.
    func diagnostics(_ list: [Diagnostic], source: String?, revision: String?) -> MustacheValue {
        let link = source.flatMap { configuration.browse[$0] }
        return .array(list.prefix(50).map { d in
            let at = d.location
            return [
                "where": .string("\(at.path):\(at.line):\(at.column)"), "message": .string(d.message),
                "severity": .string(d.severity.rawValue),
                "href": revision.flatMap { link?.url(revision: $0, path: at.path, line: at.line) }.map { .string($0) } ?? .null,
            ]
        })
    }

    /// `GET /ui/namespaces/{ns}`: its Deployments (phase, versions, weight as a bar) and
    /// templates, a page each (`after`, `afterTemplate`).
    func namespacePage(_ request: Request, _ context: Context) throws -> Response {
        let (shown, namespace) = context.namespace
        let query = request.uri.queryParameters
        guard let ns = try store.status().namespaces.first(where: { $0.name == namespace }) else {
            throw APIError.notFound("namespace_not_found", "no namespace '\(shown)' in the serving store")
        }
        let deployments = try store.deployments(namespace: namespace, after: query["after"].map(String.init), limit: Self.uiPage + 1)
        let templates = try store.templates(namespace: namespace, after: query["afterTemplate"].map(String.init), limit: Self.uiPage + 1)
        let base = Self.uiHref(namespace: namespace)
        let owner = try owner(of: namespace)
        return htmlPage("namespace", title: namespace, crumbs: [("/ui/", "Overview")], live: (namespace, ""), context: context, [
            "namespace": .string(namespace),
            "hasErrors": .bool(!ns.errors.isEmpty),
            "diagnostics": diagnostics(ns.errors, source: owner, revision: ns.lastAttemptedRevision),
            "hasDeployments": .bool(!deployments.isEmpty),
            "deployments": .array(deployments.prefix(Self.uiPage).map { d in [
                "name": .string(d.name), "href": .string(Self.uiHref(namespace: namespace, deployment: d.name)),
                "template": .string(d.template), "templateHref": .string(Self.uiHref(namespace: namespace, template: d.template)),
                "phase": .string(d.phase), "phaseClass": .string(d.phase),
                "stable": .int(d.stable.version), "canary": d.canary.map { .int($0.version) } ?? .null,
                "weight": .int(d.canary?.weight ?? 0),
            ] }),
            "next": deployments.count > Self.uiPage ? .string(base + "?after=" + HTMLText.segment(deployments[Self.uiPage - 1].name)) : .null,
            "hasTemplates": .bool(!templates.isEmpty),
            "templates": .array(templates.prefix(Self.uiPage).map { t in [
                "name": .string(t.name), "href": .string(Self.uiHref(namespace: namespace, template: t.name)),
                "version": .int(t.version), "hash": .string(String(t.hash.prefix(12))), "path": .string(t.path),
            ] }),
            "nextTemplates": templates.count > Self.uiPage
                ? .string(base + "?afterTemplate=" + HTMLText.segment(templates[Self.uiPage - 1].name)) : .null,
        ])
    }

    /// `GET /ui/events?namespace=`: the latest events the caller sees.
    func eventsPage(_ request: Request, _ context: Context) throws -> Response {
        let namespace = request.uri.queryParameters["namespace"].flatMap { $0.isEmpty ? nil : String($0) }
        let visible = try visibleNamespaces(context)
        let events = try store.events(namespace: namespace, visible: visible, limit: Self.uiPage)
        var values = eventValues(events.reversed(), caption: "The latest \(events.count) events, newest first")
        values["namespace"] = .string(namespace ?? "")
        return htmlPage("events", title: "Events", live: (namespace ?? "", ""), context: context, values)
    }

    /// The `eventRows` partial's values.
    func eventValues(_ events: [StoreEvent], caption: String) -> [String: MustacheValue] {
        [
            "hasEvents": .bool(!events.isEmpty), "eventsCaption": .string(caption),
            "events": .array(events.map { e in
                var href: MustacheValue = .null
                if let ns = e.namespace, let name = e.name {
                    if e.kind == "Deployment" { href = .string(Self.uiHref(namespace: ns, deployment: name)) }
                    if e.kind == "PromptTemplate" { href = .string(Self.uiHref(namespace: ns, template: name)) }
                }
                let object = [e.namespace, e.kind.map { k in e.name.map { "\(k)/\($0)" } ?? k }].compactMap { $0 }.joined(separator: " ")
                return [
                    "time": .string(HTMLText.time(e.time)), "machineTime": .string(HTMLText.machineTime(e.time)),
                    "type": .string(e.type.rawValue), "typeClass": .string(e.type.rawValue),
                    "object": .string(object), "href": href, "reason": .string(e.reason), "message": .string(e.message),
                ]
            }),
        ]
    }

    /// `GET /ui/audit`: the chain's verification and the latest records.
    func auditPage(_ request: Request, _ context: Context) throws -> Response {
        let verification = try store.verifyAudit()
        let records = try store.audit(limit: Self.uiPage)
        let text = verification.isIntact
            ? "Intact: \(verification.recordCount) records, head \(verification.headSeq.map(String.init) ?? "none") (\(verification.headHash.prefix(16))…)"
            : "Broken at record \(verification.brokenAt.map(String.init) ?? "?"): \(verification.problem ?? "unknown problem")"
        return htmlPage("audit", title: "Audit log", context: context, [
            "verification": ["text": .string(text), "stateClass": .string(verification.isIntact ? "ok" : "bad")],
            "hasRecords": .bool(!records.isEmpty),
            "records": .array(records.reversed().map { r in [
                "seq": .int(Int(r.seq)), "time": .string(HTMLText.time(r.time)), "machineTime": .string(HTMLText.machineTime(r.time)),
                "actor": .string(r.actor), "action": .string(r.action),
                "object": .string([r.namespace, r.object].compactMap { $0 }.joined(separator: " ")),
                "revision": .string(String((r.revision ?? "").prefix(12))),
            ] }),
        ])
    }
}

/// A source as the overview lists it.
private struct SourceRow {
    var name: String
    var url: String
    var branch: String
    var revision: String?
    var attempted: String?
    var time: Date?
    var lastError: String?
    var errors: [Diagnostic]
}
