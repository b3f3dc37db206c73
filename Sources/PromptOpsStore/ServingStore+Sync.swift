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
    ///   - source: the configured source's name and URL (nil: the one-repository command line);
    ///     its row in `source_status` is updated, and only a `primary` pass moves the top-level status.
    ///   - problems: located errors of the source's own (objects refused because they name a
    ///     namespace the source may not write); they block no namespace.
    ///   - blocked: the error is a commit refused by signature verification: it is reported
    ///     as `Blocked` (event and notification) instead of `SyncFailed`.
    ///   - quiet: a state, not a failure (waiting for platform Policies): reported in status, no event.
    ///   - settings: for a source, what a successful pass was checked under (see
    ///     ``settledRevision(source:branch:settings:)``).
    public func recordSyncPass(source: (name: String, url: String)? = nil, primary: Bool = true, branch: String, revision: String?,
                               error: String?, problems: [Diagnostic] = [], blocked: Bool = false, quiet: Bool = false,
                               settings: String? = nil, now: Date) throws(StoreError) {
        let time = StoreTime.format(now)
        let problemsJSON: String
        do { problemsJSON = try NamespaceWriter.json(problems) } catch { throw StoreError(.invalidArgument, "diagnostics are not encodable: \(error)") }
        try writing { db in
            if let source {
                let previous: String? = try String.fetchOne(db, sql: "SELECT last_error FROM source_status WHERE name = ?", arguments: [source.name])
                let previousProblems = try String.fetchOne(db, sql: "SELECT errors_json FROM source_status WHERE name = ?", arguments: [source.name])
                try db.execute(sql: """
                    INSERT INTO source_status (name, url, branch, revision, attempted_revision, last_sync_at, last_success_at, last_error, last_error_at)
                    VALUES (:name, :url, :branch, CASE WHEN :error IS NULL THEN :revision END, :revision, :now,
                            CASE WHEN :error IS NULL THEN :now END, :error, CASE WHEN :error IS NOT NULL THEN :now END)
                    ON CONFLICT (name) DO UPDATE SET
                        url = :url, branch = :branch,
                        revision = CASE WHEN :error IS NULL THEN coalesce(:revision, revision) ELSE revision END,
                        attempted_revision = coalesce(:revision, attempted_revision),
                        last_sync_at = :now,
                        last_success_at = CASE WHEN :error IS NULL THEN :now ELSE last_success_at END,
                        last_error = :error,
                        last_error_at = CASE WHEN :error IS NULL THEN NULL WHEN :error IS last_error THEN last_error_at ELSE :now END
                    """, arguments: ["name": source.name, "url": source.url, "branch": branch, "revision": revision, "error": error, "now": time])
                if error == nil {
                    try db.execute(sql: "UPDATE source_status SET settings = ? WHERE name = ? AND settings IS NOT ?",
                                   arguments: [settings, source.name, settings])
                }
                // Refused objects: only a pass that read the source knows them.
                if error == nil, problemsJSON != (previousProblems ?? "[]") {
                    try db.execute(sql: "UPDATE source_status SET errors_json = ? WHERE name = ?", arguments: [problemsJSON, source.name])
                    if !problems.isEmpty {
                        try StoreEvent.record(db, time: time, namespace: nil, kind: "Source", name: source.name, type: .warning,
                                              reason: StoreEvent.Reason.objectsRefused,
                                              message: "\(problems.count) object\(problems.count == 1 ? "" : "s") of source \(source.name) not applied: "
                                                  + problems.map(\.description).prefix(3).joined(separator: "; "),
                                              revision: revision)
                    }
                }
                if quiet { return }
                if !primary {
                    try Self.recordSourceChange(db, source: source.name, branch: branch, revision: revision, error: error, previous: previous,
                                                blocked: blocked, time: time)
                    return
                }
            }
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
            if source == nil, error == nil {
                try db.execute(sql: "UPDATE sync_status SET settings = ? WHERE id = 1 AND settings IS NOT ?", arguments: [settings, settings])
            } else if source != nil, revision != nil {
                // A configured source's pass moved the top-level revision under its own grant:
                // the settings a `--repo` pass recorded no longer describe that revision.
                try db.execute(sql: "UPDATE sync_status SET settings = NULL WHERE id = 1 AND settings IS NOT NULL")
            }
            try Self.recordSourceChange(db, source: source?.name, branch: branch, revision: revision, error: error, previous: previousError,
                                        blocked: blocked, time: time)
        }
    }

    /// An event (and a SyncFailed notification) when a source's error appears or changes; an
    /// event when it clears.
    static func recordSourceChange(_ db: Database, source: String?, branch: String, revision: String?, error: String?, previous: String?,
                                   blocked: Bool = false, time: String) throws {
        let what = source.map { "source \($0) (\(branch))" } ?? branch
        if let error, error != previous, blocked {
            try StoreEvent.record(db, time: time, namespace: nil, kind: source == nil ? nil : "Source", name: source, type: .warning,
                                  reason: StoreEvent.Reason.commitNotVerified, message: "\(what) blocked: \(error)", revision: revision,
                                  notify: .init(type: "Blocked", data: [
                                      "source": source.map(JSONValue.string) ?? .null, "branch": .string(branch),
                                      "errors": .array([.string(error)]),
                                  ], subject: source ?? branch))
        } else if let error, error != previous {
            try StoreEvent.record(db, time: time, namespace: nil, kind: source == nil ? nil : "Source", name: source, type: .warning,
                                  reason: StoreEvent.Reason.sourceFailed, message: "cannot sync \(what): \(error)", revision: revision,
                                  notify: .init(type: "SyncFailed", data: [
                                      "source": source.map(JSONValue.string) ?? .null, "branch": .string(branch), "error": .string(error),
                                  ], subject: source ?? branch))
        } else if error == nil, previous != nil {
            try StoreEvent.record(db, time: time, namespace: nil, kind: source == nil ? nil : "Source", name: source,
                                  reason: StoreEvent.Reason.sourceRecovered,
                                  message: "syncing \(what) again" + (revision.map { " at \(String($0.prefix(12)))" } ?? ""),
                                  revision: revision)
        }
    }

    /// Drops the status row of a source removed from the configuration (its namespaces keep
    /// serving what they last applied, and keep its name as their last writer).
    public func forgetSource(_ name: String) throws(StoreError) {
        try writing { db in try db.execute(sql: "DELETE FROM source_status WHERE name = ?", arguments: [name]) }
    }

    /// Every configured source's last pass, by name.
    public func sourceStatuses() throws(StoreError) -> [SourceStatus] {
        try reading { db in try Self.sourceStatuses(db) }
    }

    static func sourceStatuses(_ db: Database) throws -> [SourceStatus] {
        try Row.fetchAll(db, sql: """
            SELECT name, url, branch, revision, attempted_revision, last_sync_at, last_success_at, last_error, last_error_at, errors_json,
                   force_push_from, force_push_to, force_push_at
            FROM source_status ORDER BY name
            """).map {
            SourceStatus(name: $0[0], url: $0[1], branch: $0[2], revision: $0[3], attemptedRevision: $0[4],
                         lastSyncTime: ($0[5] as String?).flatMap(StoreTime.parse), lastSuccessTime: ($0[6] as String?).flatMap(StoreTime.parse),
                         lastError: $0[7], lastErrorTime: ($0[8] as String?).flatMap(StoreTime.parse),
                         errors: (try? JSONDecoder().decode([Diagnostic].self, from: Data(($0[9] as String).utf8))) ?? [],
                         lastForcePush: Self.forcePush($0, from: 10))
        }
    }

    /// Every namespace the store has a status for (served, or emptied but remembered).
    public func namespaceNames() throws(StoreError) -> Set<String> {
        try reading { db in Set(try String.fetchAll(db, sql: "SELECT namespace FROM namespace_status")) }
    }

    /// Every namespace's recorded owner (the source that last applied it), by source.
    public func namespaceOwners() throws(StoreError) -> [String: Set<String>] {
        try reading { db in
            var out: [String: Set<String>] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT source, namespace FROM namespace_status WHERE source IS NOT NULL") {
                out[row[0], default: []].insert(row[1])
            }
            return out
        }
    }

    /// The namespaces recorded as written by `source`.
    public func namespaces(ownedBy source: String) throws(StoreError) -> Set<String> {
        try reading { db in Set(try String.fetchAll(db, sql: "SELECT namespace FROM namespace_status WHERE source = ?", arguments: [source])) }
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
                SELECT revision, branch, attempted_revision, last_sync_at, last_success_at, last_error,
                       force_push_from, force_push_to, force_push_at
                FROM sync_status WHERE id = 1
                """)
            var status = SyncStatus(revision: sync?[0], branch: sync?[1], attemptedRevision: sync?[2],
                                    lastSyncTime: (sync?[3] as String?).flatMap(StoreTime.parse),
                                    lastSuccessTime: (sync?[4] as String?).flatMap(StoreTime.parse),
                                    lastError: sync?[5], namespaces: namespaces)
            status.lastForcePush = sync.flatMap { Self.forcePush($0, from: 6) }
            status.sources = try Self.sourceStatuses(db)
            return status
        }
    }
}

extension ServingStore {
    /// The revision the store holds wholly and cleanly for the one-repository command line
    /// (no source name): the top-level status applied it without error on `branch`, and every
    /// namespace is applied at it with no errors and no freeze. Nil otherwise (a one-shot
    /// `sync` then reads every file).
    ///
    /// The status row must also hold `settings` (where the pass read, its grants; nil when it
    /// could not read a file and reported it as an error), recorded by its last successful
    /// pass. For a named source: its own status row (and no refused objects) and the
    /// namespaces it writes.
    public func settledRevision(source: String? = nil, branch: String, settings: String? = nil) throws(StoreError) -> String? {
        try reading { db in
            let revision: String
            if let source {
                guard let row = try Row.fetchOne(db, sql: """
                    SELECT branch, revision, attempted_revision, last_error, errors_json, settings FROM source_status WHERE name = ?
                    """, arguments: [source]),
                      (row[0] as String?) == branch, let applied = row[1] as String?, (row[2] as String?) == applied,
                      (row[3] as String?) == nil, (row[4] as String?) == "[]", (row[5] as String?) == settings else { return nil }
                revision = applied
            } else {
                guard let row = try Row.fetchOne(db, sql: "SELECT branch, revision, attempted_revision, last_error, settings FROM sync_status WHERE id = 1"),
                      (row[0] as String?) == branch, let applied = row[1] as String?, (row[2] as String?) == applied,
                      (row[3] as String?) == nil, (row[4] as String?) == settings else { return nil }
                revision = applied
            }
            let unsettled = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM namespace_status
                WHERE (?2 IS NULL OR source = ?2)
                  AND (last_applied_revision IS NOT ?1 OR last_attempted_revision IS NOT ?1 OR errors_json <> '[]' OR frozen_by IS NOT NULL)
                """, arguments: [revision, source]) ?? 1
            return unsettled == 0 ? revision : nil
        }
    }

    /// The namespaces the served objects read from each of `paths` belong to (path →
    /// namespaces; a path no served object comes from is absent).
    /// - Parameter source: only the namespaces this source writes (nil: all).
    public func servedNamespaces(ofPaths paths: [String], source: String? = nil) throws(StoreError) -> [String: Set<String>] {
        let list = "[" + paths.map(CanonicalJSON.encodeKey).joined(separator: ",") + "]"
        return try reading { db in
            var out: [String: Set<String>] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT o.path, o.namespace FROM served_object o JOIN namespace_status n ON n.namespace = o.namespace
                WHERE o.path IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR n.source = ?2)
                """, arguments: [list, source]) {
                out[row[0] as String, default: []].insert(row[1] as String)
            }
            return out
        }
    }

    /// The paths the served objects of each of `namespaces` were read from (namespace → paths).
    /// - Parameter source: only the namespaces this source writes (nil: all).
    public func servedPaths(inNamespaces namespaces: Set<String>, source: String? = nil) throws(StoreError) -> [String: Set<String>] {
        let list = "[" + namespaces.sorted().map(CanonicalJSON.encodeKey).joined(separator: ",") + "]"
        return try reading { db in
            var out: [String: Set<String>] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT o.namespace, o.path FROM served_object o JOIN namespace_status n ON n.namespace = o.namespace
                WHERE o.namespace IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR n.source = ?2)
                """, arguments: [list, source]) {
                out[row[0] as String, default: []].insert(row[1] as String)
            }
            return out
        }
    }

    /// The served objects read from each of `paths` (path → objects, by kind and name); a path
    /// no served object comes from, or one whose stored labels do not read back, is absent.
    /// - Parameter source: only the namespaces this source writes (nil: all).
    public func servedObjects(atPaths paths: [String], source: String? = nil) throws(StoreError) -> [String: [ServedManifestObject]] {
        let list = "[" + paths.map(CanonicalJSON.encodeKey).joined(separator: ",") + "]"
        return try reading { db in
            var out: [String: [ServedManifestObject]] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT o.path, o.kind, o.namespace, o.name, o.spec_json, o.labels_json
                FROM served_object o JOIN namespace_status n ON n.namespace = o.namespace
                WHERE o.path IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR n.source = ?2)
                ORDER BY o.path, o.kind, o.namespace, o.name
                """, arguments: [list, source])
            var unreadable: Set<String> = []
            while let row = try rows.next() {
                let path: String = row[0]
                let labelsJSON: String = row[5]
                guard let labels = labelsJSON == "{}" ? [:] : DesiredObject.labels(fromJSON: labelsJSON) else {
                    unreadable.insert(path)
                    continue
                }
                out[path, default: []].append(ServedManifestObject(kind: row[1], namespace: row[2], name: row[3], specJSON: row[4], labels: labels))
            }
            // A path whose labels do not read back is left out whole (the caller reads the file).
            for path in unreadable { out[path] = nil }
            return out
        }
    }

    /// Whether a served Policy names namespaces beyond its own (it governs others, so a change
    /// to it is not local to its namespace).
    public func servesCrossNamespacePolicy() throws(StoreError) -> Bool {
        try reading { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM served_object WHERE kind = 'Policy' AND json_extract(spec_json, '$.namespaces') IS NOT NULL)
                """) ?? true
        }
    }
}

extension ServingStore {
    /// What a namespace's last clean apply found, object by object, for a one-shot pass that
    /// plans only what a commit touched: each served template's modules (what it includes,
    /// transitively: the `modules` of its served version's effective content) and the
    /// namespace's warnings. Nil when the namespace has errors or a warning does not read back.
    public func servedFacts(namespace: String) throws(StoreError) -> (modules: [String: [String]], warnings: [Diagnostic])? {
        try reading { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT errors_json, warnings_json FROM namespace_status WHERE namespace = ?",
                                             arguments: [namespace]),
                  (row[0] as String) == "[]",
                  let warnings = try? JSONDecoder().decode([Diagnostic].self, from: Data((row[1] as String).utf8)) else { return nil }
            var modules: [String: [String]] = [:]
            // SQLite reads the JSON (in C); names are DNS labels, so a unit separator splits them.
            let rows = try Row.fetchCursor(db, sql: """
                SELECT o.name, (SELECT group_concat(key, char(31)) FROM json_each(v.effective_json, '$.modules'))
                FROM served_object o JOIN template_version v ON v.id = o.version_id
                WHERE o.namespace = ? AND o.kind = 'PromptTemplate'
                """, arguments: [namespace])
            while let row = try rows.next() {
                let list: String? = row[1]
                modules[row[0]] = list.map { $0.split(separator: "\u{1F}").map(String.init) } ?? []
            }
            return (modules, warnings)
        }
    }
}
