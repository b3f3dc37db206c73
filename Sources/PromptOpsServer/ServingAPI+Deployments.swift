import Foundation
import Hummingbird
import PromptOpsCore
import PromptOpsStore

extension ServingAPI {
    /// `GET /api/v1/namespaces/{ns}/deployments`: every served Deployment with its phase,
    /// versions and weights, by name, one page (`limit`, `cursor`; see ``Page``).
    func deployments(_ request: Request, _ context: Context) async throws -> Response {
        let (shown, namespace) = context.namespace
        let page = try Page(request)
        let (list, next) = page.cut(try store.deployments(namespace: namespace, after: page.after, limit: page.limit + 1), name: \.name)
        if list.isEmpty { try requireNamespace(namespace, shown: shown) }
        var json = JSONWriter(capacity: 384 * (list.count + 1))
        json.arrayStart()
        for d in list {
            json.objectStart()
            writeSummary(d, into: &json)
            json.objectEnd()
        }
        json.arrayEnd()
        return Response.json(json).linking(next: next, from: request)
    }

    /// `GET /api/v1/namespaces/{ns}/deployments/{name}`: `{phase, stable, canary, analysis,
    /// revision, conditions}` and the rest of the summary.
    func deployment(_ request: Request, _ context: Context) async throws -> Response {
        let (shown, namespace) = context.namespace, name = context.pathParameter("name")
        guard let d = try store.deployment(namespace: namespace, name: name) else {
            throw APIError.notFound("deployment_not_found", "no Deployment '\(name)' served in namespace '\(shown)'")
        }
        let nsStatus = try store.status().namespaces.first { $0.name == namespace }
        var json = JSONWriter(capacity: 1024)
        json.objectStart()
        writeSummary(d, into: &json)
        // The rollout: every measurement of the current analysis and the last transition.
        let rollout = try store.rollout(namespace: namespace, deployment: name)?.machine
        json.key("analysis")
        json.arrayStart()
        // The latest 200: a judge runs many rounds (the store keeps every measurement).
        for m in (rollout?.measurementsOfCurrentAnalysis ?? []).suffix(200) {
            json.objectStart()
            json.member("metric", m.metric)
            json.key("value"); if let v = m.value { json.double(v) } else { json.null() }
            json.member("verdict", m.verdict.rawValue)
            json.member("message", m.message)
            json.key("time"); json.date(m.at)
            json.objectEnd()
        }
        json.arrayEnd()
        // The comparative judge's standing after its latest round, with the per-test breakdown.
        json.key("judge")
        if let r = rollout?.analysis?.judgeReport { json.judgeReport(r) } else { json.null() }
        json.member("step", rollout?.canary == nil ? nil : rollout?.stepIndex)
        json.key("lastTransition")
        if let t = rollout?.lastTransition {
            json.objectStart()
            json.member("from", t.from.rawValue)
            json.member("to", t.to.rawValue)
            json.member("reason", t.reason)
            json.key("time"); json.date(t.at)
            json.objectEnd()
        } else {
            json.null()
        }
        json.key("conditions")
        json.arrayStart()
        for c in DeploymentCondition.all(for: d, namespace: nsStatus) {
            json.objectStart()
            json.member("type", c.type)
            json.member("status", c.status ? "True" : "False")
            json.member("reason", c.reason)
            json.member("message", c.message)
            json.key("lastUpdateTime"); json.date(c.time)
            json.objectEnd()
        }
        json.arrayEnd()
        json.objectEnd()
        return .json(json)
    }

    /// `GET /api/v1/namespaces/{ns}/deployments/{name}/measurements?rollout=N&limit=L`: every
    /// measurement of one rollout (the canary version N; default: the running canary, else
    /// the last one measured), all analysis steps, oldest first — the latest `limit` (default
    /// 1,000). `{rollout, measurements: [...]}`; a judge round carries its standing.
    func measurements(_ request: Request, _ context: Context) async throws -> Response {
        let (shown, namespace) = context.namespace, name = context.pathParameter("name")
        let query = request.uri.queryParameters
        let rollout = try Self.integer(query["rollout"], name: "rollout", minimum: 1).map { Int($0) }
        let limit = try Page(request).limit
        guard try store.deployment(namespace: namespace, name: name) != nil else {
            throw APIError.notFound("deployment_not_found", "no Deployment '\(name)' served in namespace '\(shown)'")
        }
        let found = try store.rolloutMeasurements(namespace: namespace, deployment: name, rollout: rollout, limit: limit)
        var json = JSONWriter(capacity: 256 * ((found?.measurements.count ?? 0) + 1))
        json.objectStart()
        json.member("rollout", found?.rollout)
        json.key("measurements")
        json.arrayStart()
        for stored in found?.measurements ?? [] {
            let m = stored.measurement
            json.objectStart()
            json.member("id", stored.id)
            json.member("round", stored.round)
            json.member("metric", m.metric)
            json.key("value"); if let v = m.value { json.double(v) } else { json.null() }
            json.member("verdict", m.verdict.rawValue)
            json.member("message", m.message)
            json.key("time"); json.date(m.at)
            json.key("judge"); if let r = m.judge { json.judgeReport(r) } else { json.null() }
            json.objectEnd()
        }
        json.arrayEnd()
        json.objectEnd()
        return .json(json)
    }

    /// The members shared by the list and the detail.
    private func writeSummary(_ d: DeploymentStatus, into json: inout JSONWriter) {
        json.member("namespace", d.namespace)
        json.member("name", d.name)
        json.member("template", d.template)
        json.member("strategy", d.strategy)
        json.member("environment", d.environment)
        json.member("phase", d.phase)
        json.key("stable"); json.versionRef(d.stable)
        json.key("canary"); json.canary(d.canary)
        json.key("weights"); json.weights(d.canary)
        json.member("revision", d.revision)
        json.key("updatedAt"); json.date(d.updatedAt)
    }
}

/// A Kubernetes-style condition of a Deployment, derived from its stored state.
struct DeploymentCondition {
    var type: String
    var status: Bool
    var reason: String
    var message: String
    var time: Date?

    /// `Available` (it serves a version), `Progressing` (a canary runs) and `Synced` (its
    /// namespace serves the last revision tried).
    static func all(for d: DeploymentStatus, namespace: NamespaceStatus?) -> [DeploymentCondition] {
        var out: [DeploymentCondition] = []
        let stableShare = 100 - (d.canary?.weight ?? 0)
        out.append(DeploymentCondition(type: "Available", status: true, reason: "Serving",
                                       message: "version \(d.stable.version) of \(d.template) serves \(stableShare)% of keys", time: d.updatedAt))
        if let canary = d.canary {
            out.append(DeploymentCondition(type: "Progressing", status: true, reason: "CanaryRunning",
                                           message: "version \(canary.version) serves \(canary.weight)% of keys", time: d.updatedAt))
        } else {
            out.append(DeploymentCondition(type: "Progressing", status: false, reason: "Stable",
                                           message: "no canary running", time: d.updatedAt))
        }
        if let ns = namespace {
            if let first = ns.errors.first {
                let more = ns.errors.count > 1 ? " (and \(ns.errors.count - 1) more)" : ""
                out.append(DeploymentCondition(type: "Synced", status: false, reason: "ApplyFailed",
                                               message: "revision \(ns.lastAttemptedRevision ?? "?") not applied: \(first)\(more)",
                                               time: ns.lastAttemptedAt))
            } else if let policy = ns.frozenBy {
                out.append(DeploymentCondition(type: "Synced", status: false, reason: "Frozen",
                                               message: "changes wait for the freeze window of policy \(policy)", time: ns.lastAttemptedAt))
            } else {
                out.append(DeploymentCondition(type: "Synced", status: true, reason: "Applied",
                                               message: "serving revision \(ns.lastAppliedRevision ?? "?")", time: ns.lastAppliedAt))
            }
        }
        return out
    }
}
