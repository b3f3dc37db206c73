import Foundation
import GRDB
import PromptOpsCore

extension ServingStore {
    /// Records one controller pass over the source. In the steady state this is a single
    /// one-row UPDATE (the pass time); an event is written only when the source error
    /// appears, changes or clears.
    /// - Parameters:
    ///   - branch: the branch followed.
    ///   - revision: the revision the pass read, nil when it could not read one.
    ///   - error: the source failure (git, network), nil when the pass read the source.
    ///   - now: the pass time.
    public func recordSyncPass(branch: String, revision: String?, error: String?, now: Date) throws(StoreError) {
        let time = StoreTime.format(now)
        try writing { db in
            let previous = try Row.fetchOne(db, sql: "SELECT last_error FROM sync_status WHERE id = 1")
            let previousError: String? = previous?[0]
            try db.execute(sql: """
                INSERT INTO sync_status (id, branch, revision, attempted_revision, last_sync_at, last_success_at, last_error, last_error_at)
                VALUES (1, :branch, CASE WHEN :error IS NULL THEN :revision END, :revision, :now,
                        CASE WHEN :error IS NULL THEN :now END, :error, CASE WHEN :error IS NOT NULL THEN :now END)
                ON CONFLICT (id) DO UPDATE SET
                    branch = :branch,
                    revision = CASE WHEN :error IS NULL THEN coalesce(:revision, revision) ELSE revision END,
                    attempted_revision = coalesce(:revision, attempted_revision),
                    last_sync_at = :now,
                    last_success_at = CASE WHEN :error IS NULL THEN :now ELSE last_success_at END,
                    last_error = :error,
                    last_error_at = CASE WHEN :error IS NULL THEN NULL WHEN :error IS last_error THEN last_error_at ELSE :now END
                """, arguments: ["branch": branch, "revision": revision, "error": error, "now": time])
            if let error, error != previousError {
                try StoreEvent.record(db, time: time, namespace: nil, type: .warning, reason: StoreEvent.Reason.sourceFailed,
                                      message: "cannot sync \(branch): \(error)", revision: revision)
            } else if error == nil, previousError != nil {
                try StoreEvent.record(db, time: time, namespace: nil, reason: StoreEvent.Reason.sourceRecovered,
                                      message: "syncing \(branch) again" + (revision.map { " at \(String($0.prefix(12)))" } ?? ""),
                                      revision: revision)
            }
        }
    }

    /// The sync state and every namespace's status.
    public func status() throws(StoreError) -> SyncStatus {
        try reading { db in
            let decoder = JSONDecoder()
            let namespaces = try Row.fetchAll(db, sql: """
                SELECT namespace, last_attempted_revision, last_applied_revision, last_attempted_at, last_applied_at,
                       errors_json, warnings_json, frozen_by, frozen_until
                FROM namespace_status ORDER BY namespace
                """).map { row in
                NamespaceStatus(
                    name: row[0], lastAttemptedRevision: row[1], lastAppliedRevision: row[2],
                    lastAttemptedAt: (row[3] as String?).flatMap(StoreTime.parse), lastAppliedAt: (row[4] as String?).flatMap(StoreTime.parse),
                    errors: try decoder.decode([Diagnostic].self, from: Data((row[5] as String).utf8)),
                    warnings: try decoder.decode([Diagnostic].self, from: Data((row[6] as String).utf8)),
                    frozenBy: row[7], frozenUntil: (row[8] as String?).flatMap(StoreTime.parse))
            }
            let sync = try Row.fetchOne(db, sql: """
                SELECT revision, branch, attempted_revision, last_sync_at, last_success_at, last_error FROM sync_status WHERE id = 1
                """)
            return SyncStatus(revision: sync?[0], branch: sync?[1], attemptedRevision: sync?[2],
                              lastSyncTime: (sync?[3] as String?).flatMap(StoreTime.parse),
                              lastSuccessTime: (sync?[4] as String?).flatMap(StoreTime.parse),
                              lastError: sync?[5], namespaces: namespaces)
        }
    }
}
