import Foundation
import GRDB
import PromptOpsCore

extension ServingStore {
    /// The largest page `events` and `audit` return.
    public static let maxPage = 10_000

    /// Events, newest last: those after `sinceID` (oldest first), or else the latest `limit`.
    /// - Parameter namespace: one namespace, or nil for all (including controller-wide events).
    /// - Parameter visible: with a value, only events of these namespaces (an API token's
    ///   view: events of no namespace, such as a source failing, are left out too).
    public func events(namespace: String? = nil, visible: Set<String>? = nil, sinceID: Int64? = nil,
                       limit: Int = 100) throws(StoreError) -> [StoreEvent] {
        let limit = try Self.page(limit)
        let visibleJSON = visible.map { set in "[" + set.sorted().map(CanonicalJSON.encodeKey).joined(separator: ",") + "]" }
        return try reading { db in
            let columns = "SELECT id, time, namespace, kind, name, type, reason, message, revision FROM event"
            let filter = "(?1 IS NULL OR namespace = ?1) AND (?4 IS NULL OR namespace IN (SELECT value FROM json_each(?4)))"
            if let sinceID {
                return try Row.fetchAll(db, sql: "\(columns) WHERE \(filter) AND id > ?2 ORDER BY id LIMIT ?3",
                                        arguments: [namespace, sinceID, limit, visibleJSON]).map(StoreEvent.init(row:))
            }
            return try Row.fetchAll(db, sql: "\(columns) WHERE \(filter) ORDER BY id DESC LIMIT ?3",
                                    arguments: [namespace, nil as Int64?, limit, visibleJSON]).map(StoreEvent.init(row:)).reversed()
        }
    }

    /// Audit records in chain order: those after `sinceSeq`, or else the latest `limit`.
    public func audit(sinceSeq: Int64? = nil, limit: Int = 100) throws(StoreError) -> [AuditRecord] {
        let limit = try Self.page(limit)
        return try reading { db in
            let columns = "SELECT seq, time, actor, action, namespace, object, revision, details_json, prev_hash, hash FROM audit_record"
            let rows = try sinceSeq.map { try Row.fetchAll(db, sql: "\(columns) WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [$0, limit]) }
                ?? Row.fetchAll(db, sql: "\(columns) ORDER BY seq DESC LIMIT ?", arguments: [limit]).reversed()
            return rows.map { row in
                AuditRecord(seq: row[0], time: StoreTime.parse(row[1]) ?? .distantPast, actor: row[2], action: row[3], namespace: row[4],
                            object: row[5], revision: row[6], details: EmbeddedJSON(row[7]), prevHash: row[8], hash: row[9])
            }
        }
    }

    /// The newest audit record's sequence number (0 when the log is empty).
    public func auditHead() throws(StoreError) -> Int64 {
        try reading { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM audit_record") ?? 0 }
    }

    /// The newest entry of the serving change log (0: none yet): every insert, update and
    /// delete of a `deployment` row adds one (triggers), whoever writes it.
    public func servingHead() throws(StoreError) -> Int64 {
        try reading { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM serving_change") ?? 0 }
    }

    /// The namespaces whose Deployments changed after `seq`; nil when entries after `seq` may
    /// have been pruned (then everything must be read again).
    public func namespacesChanged(after seq: Int64) throws(StoreError) -> Set<String>? {
        try reading { db in
            let oldest = try Int64.fetchOne(db, sql: "SELECT min(seq) FROM serving_change")
            guard let oldest, oldest <= seq + 1 else { return nil }
            return Set(try String.fetchAll(db, sql: "SELECT DISTINCT namespace FROM serving_change WHERE seq > ?", arguments: [seq]))
        }
    }

    /// The newest audit record with one of `actions`, if any.
    public func latestAudit(actions: [String]) throws(StoreError) -> AuditRecord? {
        try reading { db in
            let marks = actions.map { _ in "?" }.joined(separator: ",")
            guard let row = try Row.fetchOne(db, sql: """
                SELECT seq, time, actor, action, namespace, object, revision, details_json, prev_hash, hash FROM audit_record
                WHERE action IN (\(marks)) ORDER BY seq DESC LIMIT 1
                """, arguments: StatementArguments(actions)) else { return nil }
            return AuditRecord(seq: row[0], time: StoreTime.parse(row[1]) ?? .distantPast, actor: row[2], action: row[3], namespace: row[4],
                               object: row[5], revision: row[6], details: EmbeddedJSON(row[7]), prevHash: row[8], hash: row[9])
        }
    }

    /// Appends an audit record in its own transaction (manual overrides: promote, abort, retry).
    /// - Parameters:
    ///   - actor: who (an operator's name, or `controller`).
    ///   - action: what, e.g. `promote`.
    ///   - details: a JSON object or value with the specifics.
    /// - Throws: `StoreError.invalidArgument` when `details` is not JSON or a name is empty.
    @discardableResult
    public func appendAudit(actor: String, action: String, namespace: String? = nil, object: String? = nil, revision: String? = nil,
                            details: String = "{}", now: Date) throws(StoreError) -> AuditRecord {
        guard !actor.isEmpty, !action.isEmpty else { throw StoreError(.invalidArgument, "audit actor and action must not be empty") }
        guard JSONValue(json: details) != nil else { throw StoreError(.invalidArgument, "audit details are not JSON: \(details.prefix(80))") }
        return try writing(namespace: namespace) { db in
            try AuditChain.append(db, actor: actor, action: action, namespace: namespace, object: object, revision: revision,
                                  detailsJSON: details, now: now)
        }
    }

    /// Recomputes the audit chain and reports the first record that is missing, out of
    /// place or altered. Truncating the newest records is caught only while SQLite's
    /// AUTOINCREMENT counter survives; compare `headHash` with a copy kept elsewhere.
    public func verifyAudit() throws(StoreError) -> AuditVerification {
        try reading { db in try AuditChain.verify(db) }
    }

    static func page(_ limit: Int) throws(StoreError) -> Int {
        guard limit > 0 else { throw StoreError(.invalidArgument, "limit must be positive, got \(limit)") }
        return min(limit, maxPage)
    }
}
