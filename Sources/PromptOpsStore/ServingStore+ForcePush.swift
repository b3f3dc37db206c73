import Foundation
import GRDB
import PromptOpsCore

extension ServingStore {
    /// The revision a source last applied and the branch it followed then (a config's source by
    /// name; nil: the one-repository command line's), nil before its first successful pass.
    public func appliedRevision(source: String?) throws(StoreError) -> (revision: String, branch: String)? {
        try reading { db in
            let row: Row?
            if let source {
                row = try Row.fetchOne(db, sql: "SELECT revision, branch FROM source_status WHERE name = ?", arguments: [source])
            } else {
                row = try Row.fetchOne(db, sql: "SELECT revision, branch FROM sync_status WHERE id = 1")
            }
            guard let row, let revision: String = row[0], let branch: String = row[1] else { return nil }
            return (revision, branch)
        }
    }

    /// Records that the branch a source follows was rewritten: its new head `to` does not
    /// descend from `from`, the revision it had applied (or `from` is no longer in the
    /// repository at all). In one transaction: a Warning event (reason `ForcePushed`), an audit
    /// record (action `force-push`, details `{from, to, branch, source}`) and the source's
    /// `lastForcePush` (the top-level one too for a `primary` source). The pass applies `to`
    /// as usual: this only makes the rewrite visible.
    public func recordForcePush(source: String?, primary: Bool = true, branch: String, from: String, to: String,
                                fromMissing: Bool = false, now: Date) throws(StoreError) {
        let time = StoreTime.format(now)
        let what = source.map { "source \($0) (\(branch))" } ?? "branch \(branch)"
        let why = fromMissing ? "is no longer in the repository" : "is not an ancestor of the new head"
        let message = "\(what) was force-pushed: the applied revision \(from.prefix(12)) \(why) \(to.prefix(12)); applying \(to.prefix(12))"
        let detailsJSON = CanonicalJSON.encode(.object([
            "from": .string(from), "to": .string(to), "branch": .string(branch),
            "source": source.map(TemplateValue.string) ?? .null, "fromMissing": .bool(fromMissing),
        ]))
        try writing { db in
            try StoreEvent.record(db, time: time, namespace: nil, kind: source == nil ? nil : "Source", name: source, type: .warning,
                                  reason: StoreEvent.Reason.forcePushed, message: message, revision: to)
            _ = try AuditChain.append(db, actor: "controller", action: "force-push", namespace: nil, object: source.map { "Source/\($0)" },
                                      revision: to, detailsJSON: detailsJSON, now: now)
            if let source {
                try db.execute(sql: "UPDATE source_status SET force_push_from = ?, force_push_to = ?, force_push_at = ? WHERE name = ?",
                               arguments: [from, to, time, source])
            }
            if primary {
                try db.execute(sql: "UPDATE sync_status SET force_push_from = ?, force_push_to = ?, force_push_at = ? WHERE id = 1",
                               arguments: [from, to, time])
            }
        }
    }

    /// The force-push in columns `from`, `to`, `at` starting at `index` of a status row.
    static func forcePush(_ row: Row, from index: Int) -> ForcePush? {
        guard let from: String = row[index], let to: String = row[index + 1],
              let at = (row[index + 2] as String?).flatMap(StoreTime.parse) else { return nil }
        return ForcePush(from: from, to: to, time: at)
    }
}
