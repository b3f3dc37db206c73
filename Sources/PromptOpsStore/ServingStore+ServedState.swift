import GRDB
import PromptOpsCore

extension ServingStore {
    /// What the store serves, as the planner needs it: served objects, every stored version,
    /// each Deployment's stable version and the last applied revision per namespace. One
    /// query per table in one snapshot, so it is consistent and O(rows).
    /// - Parameter namespaces: only these namespaces; nil for all.
    public func servedState(namespaces: Set<String>? = nil) throws(StoreError) -> ServedState {
        // The filter travels as one JSON array argument, so the statements stay fixed. Two
        // forms, because `?1 IS NULL OR namespace IN (...)` would keep SQLite off the index.
        let filter: String? = namespaces.map { set in "[" + set.sorted().map(CanonicalJSON.encodeKey).joined(separator: ",") + "]" }
        func only(_ column: String = "namespace") -> String { filter == nil ? "1" : "\(column) IN (SELECT value FROM json_each(?1))" }
        let arguments: StatementArguments = filter.map { [$0] } ?? []
        return try reading { db in
            var out: [String: ServedNamespace] = [:]
            let statuses = try Row.fetchCursor(db, sql: "SELECT namespace, last_applied_revision FROM namespace_status WHERE \(only())",
                                               arguments: arguments)
            while let row = try statuses.next() {
                let ns: String = row[0]
                out[ns] = ServedNamespace(name: ns, lastAppliedRevision: row[1])
            }
            // Rows come in runs of one (namespace, kind) or (namespace, template); each run is
            // collected locally and stored once, so a row costs one dictionary insert, not three.
            var objects = Run<ServedNamespace.Object>()
            func store(_ run: Run<ServedNamespace.Object>) {
                guard !run.items.isEmpty else { return }
                out[run.namespace, default: ServedNamespace(name: run.namespace)].objects[run.group, default: [:]].merge(run.items) { $1 }
            }
            let objectRows = try Row.fetchCursor(db, sql: """
                SELECT namespace, kind, name, hash, spec_json, path, labels_json FROM served_object WHERE \(only()) ORDER BY namespace, kind
                """, arguments: arguments)
            while let row = try objectRows.next() {
                if !objects.holds(row[0], row[1]) { store(objects); objects = Run(namespace: row[0], group: row[1]) }
                objects.items[row[2]] = ServedNamespace.Object(hash: row[3], specJSON: row[4], path: row[5], labelsJSON: row[6])
            }
            store(objects)
            var versions = Run<Int>()
            func store(_ run: Run<Int>) {
                guard !run.items.isEmpty else { return }
                out[run.namespace, default: ServedNamespace(name: run.namespace)].versions[run.group, default: [:]].merge(run.items) { $1 }
            }
            let versionRows = try Row.fetchCursor(db, sql: "SELECT namespace, template, hash, version FROM template_version WHERE \(only())",
                                                  arguments: arguments)
            while let row = try versionRows.next() {
                if !versions.holds(row[0], row[1]) { store(versions); versions = Run(namespace: row[0], group: row[1]) }
                versions.items[row[2]] = row[3]
            }
            store(versions)
            let deployments = try Row.fetchCursor(db, sql: """
                SELECT d.namespace, d.name, d.template, d.stable_version, v.hash, c.hash
                FROM deployment d JOIN template_version v
                  ON v.namespace = d.namespace AND v.template = d.template AND v.version = d.stable_version
                LEFT JOIN template_version c
                  ON c.namespace = d.namespace AND c.template = d.template AND c.version = d.canary_version
                WHERE \(only("d.namespace"))
                """, arguments: arguments)
            while let row = try deployments.next() {
                let ns: String = row[0]
                out[ns, default: ServedNamespace(name: ns)].deployments[row[1]] =
                    ServedNamespace.ServedDeployment(template: row[2], version: row[3], hash: row[4], canaryHash: row[5])
            }
            return ServedState(namespaces: out)
        }
    }
}

/// Consecutive rows that share a namespace and a group (a kind, or a template).
private struct Run<Value> {
    var namespace = ""
    var group = ""
    var items: [String: Value] = [:]

    /// Whether a row with this namespace and group belongs to the run.
    func holds(_ namespace: String, _ group: String) -> Bool { namespace == self.namespace && group == self.group }
}

extension ServingStore {
    /// What the store serves of some objects of one namespace, as the planner needs it for a
    /// plan of those objects only: the served rows of the templates `templates` and the
    /// Deployments `deployments`, every stored version of those templates, and those
    /// Deployments' stable versions. Reads rows by key, so its cost follows the names asked
    /// for, not the namespace's size.
    public func servedState(namespace: String, templates: Set<String>, deployments: Set<String>) throws(StoreError) -> ServedNamespace {
        let templateNames = "[" + templates.sorted().map(CanonicalJSON.encodeKey).joined(separator: ",") + "]"
        let deploymentNames = "[" + deployments.sorted().map(CanonicalJSON.encodeKey).joined(separator: ",") + "]"
        return try reading { db in
            var out = ServedNamespace(name: namespace)
            out.lastAppliedRevision = try String.fetchOne(db, sql: "SELECT last_applied_revision FROM namespace_status WHERE namespace = ?",
                                                          arguments: [namespace])
            let objects = try db.cachedStatement(sql: """
                SELECT kind, name, hash, spec_json, path, labels_json FROM served_object
                WHERE namespace = ?1 AND kind = ?2 AND name IN (SELECT value FROM json_each(?3))
                """)
            for (kind, names) in [("PromptTemplate", templateNames), ("Deployment", deploymentNames)] {
                let rows = try Row.fetchCursor(objects, arguments: [namespace, kind, names])
                while let row = try rows.next() {
                    out.objects[row[0], default: [:]][row[1]] = ServedNamespace.Object(hash: row[2], specJSON: row[3], path: row[4], labelsJSON: row[5])
                }
            }
            let versions = try Row.fetchCursor(db, sql: """
                SELECT template, hash, version FROM template_version
                WHERE namespace = ?1 AND template IN (SELECT value FROM json_each(?2))
                """, arguments: [namespace, templateNames])
            while let row = try versions.next() {
                out.versions[row[0], default: [:]][row[1]] = row[2]
            }
            let served = try Row.fetchCursor(db, sql: """
                SELECT d.name, d.template, d.stable_version, v.hash, c.hash
                FROM deployment d JOIN template_version v
                  ON v.namespace = d.namespace AND v.template = d.template AND v.version = d.stable_version
                LEFT JOIN template_version c
                  ON c.namespace = d.namespace AND c.template = d.template AND c.version = d.canary_version
                WHERE d.namespace = ?1 AND d.name IN (SELECT value FROM json_each(?2))
                """, arguments: [namespace, deploymentNames])
            while let row = try served.next() {
                out.deployments[row[0]] = ServedNamespace.ServedDeployment(template: row[1], version: row[2], hash: row[3], canaryHash: row[4])
            }
            return out
        }
    }
}
