import GRDB
import PromptOpsCore

extension ServingStore {
    /// What the store serves, as the planner needs it: served objects, every stored version,
    /// each Deployment's stable version and the last applied revision per namespace. One
    /// query per table in one snapshot, so it is consistent and O(rows).
    /// - Parameter namespaces: only these namespaces; nil for all.
    public func servedState(namespaces: Set<String>? = nil) throws(StoreError) -> ServedState {
        // The filter travels as one JSON array argument, so the statements stay fixed.
        let filter: String? = namespaces.map { set in "[" + set.sorted().map(CanonicalJSON.encodeKey).joined(separator: ",") + "]" }
        let only = "(?1 IS NULL OR namespace IN (SELECT value FROM json_each(?1)))"
        return try reading { db in
            var out: [String: ServedNamespace] = [:]
            // Rows are added in place (`out[ns, default:]`): copying a namespace out and back
            // would copy its dictionaries on every row.
            let statuses = try Row.fetchCursor(db, sql: "SELECT namespace, last_applied_revision FROM namespace_status WHERE \(only)",
                                               arguments: [filter])
            while let row = try statuses.next() {
                let ns: String = row[0]
                out[ns] = ServedNamespace(name: ns, lastAppliedRevision: row[1])
            }
            let objects = try Row.fetchCursor(db, sql: "SELECT namespace, kind, name, hash, spec_json, path FROM served_object WHERE \(only)",
                                              arguments: [filter])
            while let row = try objects.next() {
                let ns: String = row[0]
                out[ns, default: ServedNamespace(name: ns)].objects[row[1], default: [:]][row[2]] =
                    ServedNamespace.Object(hash: row[3], specJSON: row[4], path: row[5])
            }
            let versions = try Row.fetchCursor(db, sql: "SELECT namespace, template, hash, version FROM template_version WHERE \(only)",
                                               arguments: [filter])
            while let row = try versions.next() {
                let ns: String = row[0]
                out[ns, default: ServedNamespace(name: ns)].versions[row[1], default: [:]][row[2]] = row[3]
            }
            let deployments = try Row.fetchCursor(db, sql: """
                SELECT d.namespace, d.name, d.template, d.stable_version, v.hash
                FROM deployment d JOIN template_version v
                  ON v.namespace = d.namespace AND v.template = d.template AND v.version = d.stable_version
                WHERE (?1 IS NULL OR d.namespace IN (SELECT value FROM json_each(?1)))
                """, arguments: [filter])
            while let row = try deployments.next() {
                let ns: String = row[0]
                out[ns, default: ServedNamespace(name: ns)].deployments[row[1]] =
                    ServedNamespace.ServedDeployment(template: row[2], version: row[3], hash: row[4])
            }
            return ServedState(namespaces: out)
        }
    }
}
