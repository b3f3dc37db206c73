import Foundation
import GRDB

extension ServingStore {
    /// The Deployments served, with phase and versions, sorted by namespace and name.
    /// - Parameters:
    ///   - namespace: one namespace, or nil for all (`promptops status`).
    ///   - after: a page cursor: only names after it (meant with one namespace).
    ///   - limit: at most this many.
    public func deployments(namespace: String? = nil, after: String? = nil, limit: Int? = nil) throws(StoreError) -> [DeploymentStatus] {
        try reading { db in
            try Row.fetchAll(db, sql: Self.deploymentQuery
                             + " WHERE (?1 IS NULL OR d.namespace = ?1) AND (?2 IS NULL OR d.name > ?2) ORDER BY d.namespace, d.name LIMIT ?3",
                             arguments: [namespace, after, limit ?? -1]).map(Self.deploymentStatus)
        }
    }

    /// One served Deployment; nil when it is not served (never was, or was removed from git).
    public func deployment(namespace: String, name: String) throws(StoreError) -> DeploymentStatus? {
        try reading { db in
            try Row.fetchOne(db, sql: Self.deploymentQuery + " WHERE d.namespace = ? AND d.name = ?", arguments: [namespace, name])
                .map(Self.deploymentStatus)
        }
    }

    // Strategy and environment come from the served spec, so a spec edit that switches no
    // version is still reflected.
    static let deploymentQuery = """
        SELECT d.namespace, d.name, d.template,
               coalesce(json_extract(o.spec_json, '$.strategy.type'), 'Canary'), json_extract(o.spec_json, '$.environment'),
               d.phase, d.stable_version, sv.hash, d.canary_version, cv.hash, d.canary_weight, d.canary_step,
               d.revision, d.updated_at
        FROM deployment d
        JOIN template_version sv ON sv.namespace = d.namespace AND sv.template = d.template AND sv.version = d.stable_version
        LEFT JOIN template_version cv ON cv.namespace = d.namespace AND cv.template = d.template AND cv.version = d.canary_version
        LEFT JOIN served_object o ON o.namespace = d.namespace AND o.kind = 'Deployment' AND o.name = d.name
        """

    static func deploymentStatus(_ row: Row) -> DeploymentStatus {
        var canary: CanaryState?
        if let version = row[8] as Int? {
            canary = CanaryState(version: version, hash: row[9] ?? "", weight: row[10] ?? 0, step: row[11])
        }
        return DeploymentStatus(namespace: row[0], name: row[1], template: row[2], strategy: row[3], environment: row[4], phase: row[5],
                                stable: VersionRef(version: row[6], hash: row[7]), canary: canary, revision: row[12],
                                updatedAt: StoreTime.parse(row[13]) ?? .distantPast)
    }
}
