import Foundation
import GRDB
import PromptOpsCore

/// Writes one namespace's plan inside the caller's transaction, and decides first whether
/// anything needs writing at all: a pass over a commit already recorded writes no row.
struct NamespaceWriter {
    /// The namespace status as stored.
    struct Status {
        var attempted: String?
        var applied: String?
        var errorsJSON: String
        var warningsJSON: String
        var frozenBy: String?
        var frozenUntil: String?

        var isClean: Bool { errorsJSON == "[]" && frozenBy == nil }
    }

    let db: Database
    let commit: CommitInfo
    let actor: String
    /// The source (controller config) the plan comes from; recorded as the namespace's owner.
    let source: String?
    /// The injected time, and its stored form.
    let nowDate: Date
    let now: String

    init(db: Database, commit: CommitInfo, actor: String, source: String?, now: Date) {
        self.db = db
        self.commit = commit
        self.actor = actor
        self.source = source
        self.nowDate = now
        self.now = StoreTime.format(now)
    }

    /// Applies `plan` according to its outcome.
    func write(_ plan: NamespacePlan) throws -> ApplyReport.NamespaceResult {
        let ns = plan.name, sha = commit.sha
        let errorsJSON = try Self.json(plan.errors), warningsJSON = try Self.json(plan.warnings)
        let status = try fetchStatus(ns)
        func result(_ outcome: ApplyReport.Outcome, wrote: Bool = true) -> ApplyReport.NamespaceResult {
            .init(namespace: ns, outcome: outcome, wrote: wrote)
        }
        switch plan.outcome {
        case .apply where plan.isEmpty && plan.upserts.isEmpty:
            if let s = status, s.attempted == sha, s.applied == sha, s.isClean, s.warningsJSON == warningsJSON {
                return result(.unchanged, wrote: false)
            }
            try saveStatus(ns, applied: true, errorsJSON: "[]", warningsJSON: warningsJSON)
            if let s = status, !s.isClean {
                try StoreEvent.record(db, time: now, namespace: ns, reason: StoreEvent.Reason.recovered,
                                      message: "\(Self.short(sha)) applies cleanly; nothing to change", revision: sha)
            }
            return result(.revisionRecorded)
        case .apply:
            return try applyChanges(plan, warningsJSON: warningsJSON)
        case .blocked:
            if let s = status, s.attempted == sha, s.errorsJSON == errorsJSON, s.warningsJSON == warningsJSON, s.frozenBy == nil {
                return result(.blocked, wrote: false)
            }
            try saveStatus(ns, applied: false, errorsJSON: errorsJSON, warningsJSON: warningsJSON)
            if status?.attempted != sha || status?.errorsJSON != errorsJSON {
                let first = plan.errors.first.map(\.description) ?? "blocked"
                let more = plan.errors.count > 1 ? " (and \(plan.errors.count - 1) more)" : ""
                let serving = status?.applied.map(Self.short) ?? "nothing"
                try StoreEvent.record(db, time: now, namespace: ns, type: .warning, reason: StoreEvent.Reason.syncFailed,
                                      message: "\(Self.short(sha)) not applied, still serving \(serving): \(first)\(more)", revision: sha,
                                      notify: .init(type: "Blocked", data: [
                                          "errors": JSONValue(json: errorsJSON) ?? .array([]),
                                          "servingRevision": status?.applied.map(JSONValue.string) ?? .null,
                                          "source": source.map(JSONValue.string) ?? .null,
                                      ]))
            }
            return result(.blocked)
        case .frozen(let policy, let until):
            let untilText = StoreTime.format(until)
            if let s = status, s.attempted == sha, s.frozenBy == policy, s.frozenUntil == untilText, s.errorsJSON == "[]",
               s.warningsJSON == warningsJSON {
                return result(.frozen, wrote: false)
            }
            try saveStatus(ns, applied: false, errorsJSON: "[]", warningsJSON: warningsJSON, frozenBy: policy, frozenUntil: untilText)
            if status?.frozenBy != policy || status?.frozenUntil != untilText {
                try StoreEvent.record(db, time: now, namespace: ns, kind: "Policy", name: policy, reason: StoreEvent.Reason.frozen,
                                      message: "changes of \(Self.short(sha)) wait: freeze window of policy \(policy) is open until \(untilText)",
                                      revision: sha)
            }
            return result(.frozen)
        }
    }

    /// Writes versions, served objects, removals, switches, events, status and one audit record.
    private func applyChanges(_ plan: NamespacePlan, warningsJSON: String) throws -> ApplyReport.NamespaceResult {
        let ns = plan.name, sha = commit.sha
        // The status row first: every other table references it.
        try db.execute(sql: "INSERT INTO namespace_status (namespace) VALUES (?) ON CONFLICT (namespace) DO NOTHING", arguments: [ns])
        let committedAt = StoreTime.format(commit.time)
        let insertVersion = try db.cachedStatement(sql: """
            INSERT INTO template_version (namespace, template, version, hash, spec_json, effective_json, revision,
                                          author_name, author_email, committed_at, created_at,
                                          signer_mode, signer_principal, signer_fingerprint)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        var versionIDs: [String: Int64] = [:]
        for v in plan.newVersions {
            try insertVersion.execute(arguments: [ns, v.template, v.version, v.hash, v.specJSON, v.effectiveJSON, sha,
                                                  commit.authorName, commit.authorEmail, committedAt, now,
                                                  commit.signer?.mode, commit.signer?.principal, commit.signer?.fingerprint])
            versionIDs[v.template] = db.lastInsertedRowID
            try StoreEvent.record(db, time: now, namespace: ns, kind: "PromptTemplate", name: v.template,
                                  reason: StoreEvent.Reason.versionCreated,
                                  message: "version \(v.version) of \(v.template) (sha256:\(v.hash.prefix(12)))", revision: sha)
        }
        for r in plan.removed {
            try db.execute(sql: "DELETE FROM served_object WHERE namespace = ? AND kind = ? AND name = ?", arguments: [ns, r.kind, r.name])
            if r.kind == "Deployment" {
                try db.execute(sql: "DELETE FROM deployment WHERE namespace = ? AND name = ?", arguments: [ns, r.name])
            }
            try StoreEvent.record(db, time: now, namespace: ns, kind: r.kind, name: r.name, reason: StoreEvent.Reason.objectRemoved,
                                  message: "\(r.kind) \(r.name) removed from git; no longer served", revision: sha)
        }
        try upsertObjects(plan, versionIDs: versionIDs)
        for c in plan.added {
            try StoreEvent.record(db, time: now, namespace: ns, kind: c.kind, name: c.name, reason: StoreEvent.Reason.objectAdded,
                                  message: "\(c.kind) \(c.name) added", revision: sha)
        }
        for c in plan.changed {
            try StoreEvent.record(db, time: now, namespace: ns, kind: c.kind, name: c.name, reason: StoreEvent.Reason.objectChanged,
                                  message: "\(c.kind) \(c.name) changed", revision: sha)
        }
        try applySwitches(plan)
        try saveStatus(ns, applied: true, errorsJSON: "[]", warningsJSON: warningsJSON)
        try StoreEvent.record(db, time: now, namespace: ns, reason: StoreEvent.Reason.applied,
                              message: "applied \(Self.short(sha)): \(plan.added.count) added, \(plan.changed.count) changed, "
                                  + "\(plan.removed.count) removed, \(plan.newVersions.count) new versions, \(plan.switches.count) switched",
                              revision: sha,
                              notify: .init(type: "Applied", data: [
                                  "added": .int(Int64(plan.added.count)), "changed": .int(Int64(plan.changed.count)),
                                  "removed": .int(Int64(plan.removed.count)),
                                  "newVersions": .array(plan.newVersions.map { .object(["template": .string($0.template), "version": .int(Int64($0.version))]) }),
                                  "author": .string(commit.authorName), "commitMessage": .string(String(commit.message.prefix(200))),
                                  "source": source.map(JSONValue.string) ?? .null,
                              ]))
        let details = ApplyDetails.json(plan: plan, commit: commit)
        _ = try AuditChain.append(db, actor: actor, action: "apply", namespace: ns, object: nil, revision: sha, detailsJSON: details,
                                  now: nowDate)
        return .init(namespace: ns, outcome: .applied, wrote: true, versionsCreated: plan.newVersions.count, switched: plan.switches.count)
    }

    /// Inserts or rewrites every object of `plan.upserts`; a template row points at its version.
    private func upsertObjects(_ plan: NamespacePlan, versionIDs: [String: Int64]) throws {
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO served_object (namespace, kind, name, hash, spec_json, path, labels_json, version_id, revision, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (namespace, kind, name) DO UPDATE SET
                hash = excluded.hash, spec_json = excluded.spec_json, path = excluded.path, labels_json = excluded.labels_json,
                version_id = excluded.version_id, revision = excluded.revision, updated_at = excluded.updated_at
            """)
        let existingVersion = try db.cachedStatement(sql: "SELECT id FROM template_version WHERE namespace = ? AND template = ? AND hash = ?")
        for o in plan.upserts {
            var versionID: Int64?
            if o.kind == "PromptTemplate" {
                versionID = try versionIDs[o.name] ?? Int64.fetchOne(existingVersion, arguments: [plan.name, o.name, o.hash])
            }
            try upsert.execute(arguments: [plan.name, o.kind, o.name, o.hash, o.specJSON, o.path, Self.labelsJSON(o.labels), versionID,
                                           commit.sha, now])
        }
    }

    /// Points each switched Deployment at its new stable version and records the history.
    private func applySwitches(_ plan: NamespacePlan) throws {
        // Direct switches at once, and so does the first rollout of any Deployment. A Canary
        // Deployment that already serves a version keeps serving it: the rollout driver
        // starts a canary of the new version and promotes or rolls it back.
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO deployment (namespace, name, template, stable_version, phase, revision, updated_at)
            VALUES (?, ?, ?, ?, 'Healthy', ?, ?)
            ON CONFLICT (namespace, name) DO UPDATE SET
                template = excluded.template, stable_version = excluded.stable_version, phase = 'Healthy',
                canary_version = NULL, canary_weight = NULL, canary_step = NULL,
                revision = excluded.revision, updated_at = excluded.updated_at
            """)
        let history = try db.cachedStatement(sql: """
            INSERT INTO deployment_history (namespace, deployment, template, action, strategy, from_version, from_hash,
                                            to_version, to_hash, revision, time)
            VALUES (?, ?, ?, 'Switched', ?, ?, ?, ?, ?, ?, ?)
            """)
        for s in plan.switches {
            if s.strategy.isGradual, s.fromVersion != nil, try currentTemplate(plan.name, s.deployment) == s.template { continue }
            try upsert.execute(arguments: [plan.name, s.deployment, s.template, s.toVersion, commit.sha, now])
            // The history table knows Canary and Direct (a CHECK since v1): an Experiment's
            // versions reach traffic as a canary's do.
            try history.execute(arguments: [plan.name, s.deployment, s.template, s.strategy == .direct ? "Direct" : "Canary", s.fromVersion, s.fromHash,
                                            s.toVersion, s.toHash, commit.sha, now])
            let from = s.fromVersion.map { " (was version \($0))" } ?? ""
            try StoreEvent.record(db, time: now, namespace: plan.name, kind: "Deployment", name: s.deployment,
                                  reason: StoreEvent.Reason.switched,
                                  message: "\(s.deployment) serves \(s.template) version \(s.toVersion)\(from), \(s.strategy.rawValue)",
                                  revision: commit.sha)
        }
    }

    /// The template a served Deployment points at, if it is served.
    private func currentTemplate(_ ns: String, _ deployment: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT template FROM deployment WHERE namespace = ? AND name = ?", arguments: [ns, deployment])
    }

    private func fetchStatus(_ ns: String) throws -> Status? {
        try Row.fetchOne(db, sql: """
            SELECT last_attempted_revision, last_applied_revision, errors_json, warnings_json, frozen_by, frozen_until
            FROM namespace_status WHERE namespace = ?
            """, arguments: [ns]).map {
            Status(attempted: $0[0], applied: $0[1], errorsJSON: $0[2], warningsJSON: $0[3], frozenBy: $0[4], frozenUntil: $0[5])
        }
    }

    /// Records an attempt of the commit (and its application when `applied`).
    private func saveStatus(_ ns: String, applied: Bool, errorsJSON: String, warningsJSON: String,
                            frozenBy: String? = nil, frozenUntil: String? = nil) throws {
        let appliedRevision: String? = applied ? commit.sha : nil
        let appliedAt: String? = applied ? now : nil
        try db.execute(sql: """
            INSERT INTO namespace_status (namespace, last_attempted_revision, last_attempted_at, last_applied_revision, last_applied_at,
                                          errors_json, warnings_json, frozen_by, frozen_until, source)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (namespace) DO UPDATE SET
                last_attempted_revision = excluded.last_attempted_revision, last_attempted_at = excluded.last_attempted_at,
                last_applied_revision = coalesce(excluded.last_applied_revision, last_applied_revision),
                last_applied_at = coalesce(excluded.last_applied_at, last_applied_at),
                errors_json = excluded.errors_json, warnings_json = excluded.warnings_json,
                frozen_by = excluded.frozen_by, frozen_until = excluded.frozen_until,
                source = coalesce(excluded.source, source)
            """, arguments: [ns, commit.sha, now, appliedRevision, appliedAt, errorsJSON, warningsJSON, frozenBy, frozenUntil,
                             // Only an apply makes a source the owner; a blocked attempt (two sources
                             // defining the namespace, say) leaves the owner as it was.
                             applied ? source : nil])
    }

    /// Deterministic JSON of diagnostics (sorted keys), so equal lists compare equal as text.
    static func json(_ diagnostics: [Diagnostic]) throws -> String {
        if diagnostics.isEmpty { return "[]" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(diagnostics), as: UTF8.self)
    }

    static func labelsJSON(_ labels: [String: String]) -> String { DesiredObject.labelsJSON(labels) }

    static func short(_ sha: String) -> String { String(sha.prefix(12)) }
}
