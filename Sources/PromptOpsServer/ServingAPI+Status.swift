import Hummingbird
import PromptOpsStore

extension ServingAPI {
    /// `GET /api/v1/status`: `{revision, branch, lastSyncTime, namespaces: [...]}` plus the
    /// last source error, per namespace warnings and any freeze, the last force-push of the
    /// branch (`lastForcePush: {from, to, time}` or null), and `sources` (one entry per
    /// configured source, each with its own `lastForcePush`). `namespaces` is paged (`limit`,
    /// `cursor`); `nextCursor` and a `Link` header name the next page.
    func status(_ request: Request, _ context: Context) async throws -> Response {
        let page = try Page(request)
        let status = try visibleStatus(context)
        // Namespaces are paged like every list (they come sorted by name).
        let (namespaces, next) = page.cut(Array(status.namespaces.drop { ns in page.after.map { ns.name <= $0 } ?? false }
                                                    .prefix(page.limit + 1)), name: \.name)
        var json = JSONWriter(capacity: 1024)
        json.objectStart()
        json.member("revision", status.revision)
        json.member("branch", status.branch)
        json.key("lastSyncTime"); json.date(status.lastSyncTime)
        json.member("attemptedRevision", status.attemptedRevision)
        json.key("lastSuccessTime"); json.date(status.lastSuccessTime)
        json.member("lastError", status.lastError)
        json.key("lastForcePush"); json.forcePush(status.lastForcePush)
        json.key("namespaces")
        json.arrayStart()
        for ns in namespaces {
            json.objectStart()
            json.member("name", ns.name)
            json.member("lastAttemptedRevision", ns.lastAttemptedRevision)
            json.member("lastAppliedRevision", ns.lastAppliedRevision)
            json.key("lastAttemptedAt"); json.date(ns.lastAttemptedAt)
            json.key("lastAppliedAt"); json.date(ns.lastAppliedAt)
            json.key("upToDate"); json.bool(ns.isUpToDate)
            json.key("errors"); json.diagnostics(ns.errors)
            json.key("warnings"); json.diagnostics(ns.warnings)
            json.member("frozenBy", ns.frozenBy)
            json.key("frozenUntil"); json.date(ns.frozenUntil)
            json.objectEnd()
        }
        json.arrayEnd()
        json.member("nextCursor", next)
        // Per configured source (a config file): its revision and its last error (auth, host
        // key, timeout, network), never a secret (the config refuses credentials in URLs).
        json.key("sources")
        json.arrayStart()
        for source in status.sources {
            json.objectStart()
            json.member("name", source.name)
            json.member("url", source.url)
            json.member("branch", source.branch)
            json.member("revision", source.revision)
            json.member("attemptedRevision", source.attemptedRevision)
            json.key("lastSyncTime"); json.date(source.lastSyncTime)
            json.key("lastSuccessTime"); json.date(source.lastSuccessTime)
            json.member("lastError", source.lastError)
            json.key("lastErrorTime"); json.date(source.lastErrorTime)
            json.key("errors"); json.diagnostics(source.errors)
            json.key("lastForcePush"); json.forcePush(source.lastForcePush)
            json.objectEnd()
        }
        json.arrayEnd()
        json.objectEnd()
        return Response.json(json).linking(next: next, from: request)
    }

    /// The store's sync status as the caller's token may see it: a token sees its namespaces,
    /// and the sources that write them without their errors; only a token that sees every
    /// namespace gets the controller-wide fields.
    func visibleStatus(_ context: Context) throws -> SyncStatus {
        var status = try store.status()
        if let grant = context.grant, !grant.seesAll {
            // A token sees its namespaces, and the sources that write them (by recorded owner)
            // without their refused-object errors (those name other namespaces). The top-level
            // fields are the first source's: only a token that sees everything gets them.
            status.namespaces.removeAll { !grant.sees($0.name) }
            let owners = try store.namespaceOwners()
            status.sources.removeAll { source in !(owners[source.name] ?? []).contains(where: grant.sees) }
            for i in status.sources.indices { status.sources[i].errors = [] }
            status.revision = nil
            status.attemptedRevision = nil
            status.branch = nil
            status.lastSyncTime = nil
            status.lastSuccessTime = nil
            status.lastError = nil
            status.lastForcePush = nil
        }
        return status
    }

    /// 404 unless the store knows `namespace` (it has been attempted at least once);
    /// `shown` is the name the caller wrote.
    func requireNamespace(_ namespace: String, shown: String) throws -> Void {
        guard try store.status().namespaces.contains(where: { $0.name == namespace }) else {
            throw APIError.notFound("namespace_not_found", "no namespace '\(shown)' in the serving store")
        }
    }
}

extension JSONWriter {
    /// `{from, to, time}`, or null.
    mutating func forcePush(_ push: ForcePush?) {
        guard let push else { return null() }
        objectStart()
        member("from", push.from)
        member("to", push.to)
        key("time"); date(push.time)
        objectEnd()
    }
}
