import PromptOpsCore
import Foundation
import GRDB

extension ServingStore {
    /// The templates a namespace serves, by name, with their current version: those named
    /// after `after` (a page cursor), at most `limit` of them.
    public func templates(namespace: String, after: String? = nil, limit: Int? = nil) throws(StoreError) -> [TemplateSummary] {
        try reading { db in
            try Row.fetchAll(db, sql: """
                SELECT o.name, v.version, o.hash, o.path
                FROM served_object o JOIN template_version v ON v.id = o.version_id
                WHERE o.namespace = ?1 AND o.kind = 'PromptTemplate' AND (?2 IS NULL OR o.name > ?2)
                ORDER BY o.name LIMIT ?3
                """, arguments: [namespace, after, limit ?? -1]).map { TemplateSummary(name: $0[0], version: $0[1], hash: $0[2], path: $0[3]) }
        }
    }

    /// The template a namespace serves under `name` with its spec and every version; nil
    /// when it is not served (a removed template's versions remain in ``history(namespace:name:)``).
    public func template(namespace: String, name: String) throws(StoreError) -> TemplateDetail? {
        try reading { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT v.version, o.hash, o.path, o.labels_json, o.spec_json, o.revision
                FROM served_object o JOIN template_version v ON v.id = o.version_id
                WHERE o.namespace = ? AND o.kind = 'PromptTemplate' AND o.name = ?
                """, arguments: [namespace, name]) else { return nil }
            let labels = try JSONDecoder().decode([String: String].self, from: Data((row[3] as String).utf8))
            return TemplateDetail(namespace: namespace, name: name, version: row[0], hash: row[1], path: row[2], labels: labels,
                                  spec: EmbeddedJSON(row[4]), revision: row[5],
                                  versions: try Self.versions(db, namespace: namespace, template: name))
        }
    }

    /// One stored version of a template, served or not, with its spec and effective content.
    public func templateVersion(namespace: String, name: String, version: Int) throws(StoreError) -> TemplateVersionDetail? {
        try reading { db in
            try Row.fetchOne(db, sql: """
                SELECT \(Self.versionColumns), spec_json, effective_json FROM template_version
                WHERE namespace = ? AND template = ? AND version = ?
                """, arguments: [namespace, name, version]).map { row in
                TemplateVersionDetail(namespace: namespace, name: name, summary: Self.versionSummary(row),
                                      spec: EmbeddedJSON(row[10]), effective: EmbeddedJSON(row[11]))
            }
        }
    }

    /// The versions of the template and the rollout history of the Deployment named `name`;
    /// nil when the namespace never had either.
    public func history(namespace: String, name: String) throws(StoreError) -> ObjectHistory? {
        try reading { db in
            let versions = try Self.versions(db, namespace: namespace, template: name)
            let rollouts = try Row.fetchAll(db, sql: """
                SELECT id, deployment, template, action, strategy, from_version, from_hash, to_version, to_hash, revision, time
                FROM deployment_history WHERE namespace = ? AND deployment = ? ORDER BY id
                """, arguments: [namespace, name]).map { row in
                DeploymentHistoryEntry(
                    id: row[0], deployment: row[1], template: row[2], action: row[3], strategy: row[4],
                    from: (row[5] as Int?).map { VersionRef(version: $0, hash: row[6] ?? "") },
                    to: VersionRef(version: row[7], hash: row[8]), revision: row[9], time: StoreTime.parse(row[10]) ?? .distantPast)
            }
            if versions.isEmpty && rollouts.isEmpty { return nil }
            return ObjectHistory(namespace: namespace, name: name, versions: versions, rollouts: rollouts)
        }
    }

    static let versionColumns = "version, hash, revision, author_name, author_email, committed_at, created_at, "
        + "signer_mode, signer_principal, signer_fingerprint"

    static func versionSummary(_ row: Row) -> TemplateVersionSummary {
        var summary = TemplateVersionSummary(version: row[0], hash: row[1], revision: row[2], author: row[3], authorEmail: row[4],
                                             committedAt: StoreTime.parse(row[5]) ?? .distantPast, createdAt: StoreTime.parse(row[6]) ?? .distantPast)
        if let mode = row[7] as String? {
            summary.signer = SignerIdentity(mode: mode, principal: row[8] ?? "", fingerprint: row[9] ?? "")
        }
        return summary
    }

    static func versions(_ db: Database, namespace: String, template: String) throws -> [TemplateVersionSummary] {
        try Row.fetchAll(db, sql: """
            SELECT \(versionColumns) FROM template_version WHERE namespace = ? AND template = ? ORDER BY version
            """, arguments: [namespace, template]).map(versionSummary)
    }
}
