import Hummingbird
import PromptOpsStore

extension ServingAPI {
    /// The default page of `events` and `audit`.
    static let defaultPage = 100

    /// `GET /api/v1/events?namespace=&since=&limit=`: rollout and sync events, newest last;
    /// with `since` (an event id) those after it, else the latest `limit`.
    func events(_ request: Request, _ context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        let namespace = query["namespace"].flatMap { $0.isEmpty ? nil : String($0) }
        let since = try Self.integer(query["since"], name: "since", minimum: 0)
        let limit = try Self.integer(query["limit"], name: "limit", minimum: 1) ?? Int64(Self.defaultPage)
        // A token sees the events of its namespaces only (a `*` token: every event, a source's
        // included); the visible set is taken from the store's namespaces, so a glob never
        // matches a name the token could not list.
        let visible = try visibleNamespaces(context)
        let events = try store.events(namespace: namespace, visible: visible, sinceID: since,
                                      limit: Int(min(limit, Int64(ServingStore.maxPage))))
        var json = JSONWriter(capacity: 256 * (events.count + 1))
        json.arrayStart()
        for e in events { json.event(e) }
        json.arrayEnd()
        // Reading forward from `since`, a full page has a next one.
        let more = since != nil && events.count == Int(min(limit, Int64(ServingStore.maxPage)))
        return Response.json(json).linking(next: more ? events.last.map { String($0.id) } : nil, from: request, key: "since")
    }

    /// `GET /api/v1/audit?since=&limit=`: audit records in chain order; with `since` (a seq)
    /// those after it, else the latest `limit`.
    func audit(_ request: Request, _ context: Context) async throws -> Response {
        let query = request.uri.queryParameters
        let since = try Self.integer(query["since"], name: "since", minimum: 0)
        let limit = try Self.integer(query["limit"], name: "limit", minimum: 1) ?? Int64(Self.defaultPage)
        let records = try store.audit(sinceSeq: since, limit: Int(min(limit, Int64(ServingStore.maxPage))))
        var json = JSONWriter(capacity: 512 * (records.count + 1))
        json.arrayStart()
        for r in records { json.auditRecord(r) }
        json.arrayEnd()
        let more = since != nil && records.count == Int(min(limit, Int64(ServingStore.maxPage)))
        return Response.json(json).linking(next: more ? records.last.map { String($0.seq) } : nil, from: request, key: "since")
    }

    /// The namespaces the caller's token sees, taken from the store's namespaces (so a glob
    /// never matches a name the token could not list); nil when it sees everything.
    func visibleNamespaces(_ context: Context) throws -> Set<String>? {
        try context.grant.flatMap { grant in
            grant.seesAll ? nil : Set(try store.status().namespaces.map(\.name).filter(grant.sees))
        }
    }

    /// An optional integer query parameter; present but not an integer ≥ `minimum` is a 400.
    static func integer(_ text: Substring?, name: String, minimum: Int64) throws(APIError) -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        guard let value = Int64(text), value >= minimum else {
            throw APIError.badRequest("invalid_parameter", "\(name) must be an integer ≥ \(minimum), got '\(text)'")
        }
        return value
    }
}
