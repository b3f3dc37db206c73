import Foundation
import GRDB
import PromptOpsCore

/// A measurement with the Deployment it belongs to (the event stream's `measurement` events).
public struct DeploymentMeasurement: Sendable, Equatable {
    /// The namespace.
    public var namespace: String
    /// The Deployment.
    public var deployment: String
    /// The stored measurement.
    public var stored: StoredMeasurement
}

/// One point of a canary's weight over time.
public struct WeightPoint: Sendable, Equatable {
    /// When the weight took effect.
    public var time: Date
    /// The canary's share of keys (0 after a promotion or a rollback).
    public var weight: Int
}

extension ServingStore {
    /// The newest measurement's id (0: none).
    public func lastMeasurementID() throws(StoreError) -> Int64 {
        try reading { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM measurement") ?? 0 }
    }

    /// Measurements recorded after `id`, oldest first; with `visible`, only those namespaces'.
    public func measurements(after id: Int64, visible: Set<String>?, limit: Int = 500) throws(StoreError) -> [DeploymentMeasurement] {
        try reading { db in try Self.measurements(db, after: id, visibleJSON: Self.visibleJSON(visible), limit: limit) }
    }

    /// What an event stream sends next: the events after `eventID` and the measurements after
    /// `measurementID` (with `visible`, of those namespaces only), in one read (a stream polls
    /// four times a second; one read each keeps 64 streams from holding the store's readers).
    public func streamBatch(afterEvent eventID: Int64, afterMeasurement measurementID: Int64, visible: Set<String>?,
                            limit: Int = 500) throws(StoreError) -> (events: [StoreEvent], measurements: [DeploymentMeasurement]) {
        let visibleJSON = Self.visibleJSON(visible)
        return try reading { db in
            let events = try Row.fetchAll(db, sql: """
                SELECT id, time, namespace, kind, name, type, reason, message, revision FROM event
                WHERE id > ?1 AND (?3 IS NULL OR namespace IN (SELECT value FROM json_each(?3))) ORDER BY id LIMIT ?2
                """, arguments: [eventID, min(max(limit, 1), Self.maxPage), visibleJSON]).map(StoreEvent.init(row:))
            return (events, try Self.measurements(db, after: measurementID, visibleJSON: visibleJSON, limit: limit))
        }
    }

    static func visibleJSON(_ visible: Set<String>?) -> String? {
        visible.map { set in "[" + set.sorted().map(CanonicalJSON.encodeKey).joined(separator: ",") + "]" }
    }

    /// Filtered in SQL (as events are), so a page of other namespaces' rows never hides the
    /// next visible one.
    static func measurements(_ db: Database, after id: Int64, visibleJSON: String?, limit: Int) throws -> [DeploymentMeasurement] {
        try Row.fetchAll(db, sql: """
            SELECT namespace, deployment, id, canary_version, round, metric, value, verdict, message, time, judge_json
            FROM measurement WHERE id > ?1 AND (?3 IS NULL OR namespace IN (SELECT value FROM json_each(?3)))
            ORDER BY id LIMIT ?2
            """, arguments: [id, min(max(limit, 1), Self.maxPage), visibleJSON]).map { row in
            DeploymentMeasurement(namespace: row[0], deployment: row[1], stored: StoredMeasurement(row: row, from: 2))
        }
    }

    /// The events of one object (`kind`/`name` in `namespace`), newest last: the latest `limit`.
    public func events(namespace: String, kind: String, name: String, limit: Int = 100) throws(StoreError) -> [StoreEvent] {
        let limit = try Self.page(limit)
        return try reading { db in
            try Row.fetchAll(db, sql: """
                SELECT id, time, namespace, kind, name, type, reason, message, revision FROM event
                WHERE namespace = ? AND kind = ? AND name = ? ORDER BY id DESC LIMIT ?
                """, arguments: [namespace, kind, name, limit]).map(StoreEvent.init(row:)).reversed()
        }
    }

    /// A Deployment's canary weight over time, oldest first (the latest `limit` changes), from
    /// the events its rollouts recorded: each weight change, and 0 when a canary ends.
    public func weightTimeline(namespace: String, deployment: String, limit: Int = 500) throws(StoreError) -> [WeightPoint] {
        let events = try reading { db in
            try Row.fetchAll(db, sql: """
                SELECT time, reason, message FROM (
                    SELECT id, time, reason, message FROM event
                    WHERE namespace = ? AND kind = 'Deployment' AND name = ?
                      AND reason IN ('WeightChanged', 'Promoted', 'RolledBack', 'Superseded', 'Cancelled', 'Switched')
                    ORDER BY id DESC LIMIT ?) ORDER BY id
                """, arguments: [namespace, deployment, min(max(limit, 1), Self.maxPage)])
        }
        return events.compactMap { row in
            guard let time = StoreTime.parse(row[0]) else { return nil }
            let reason: String = row[1]
            if reason != "WeightChanged" { return WeightPoint(time: time, weight: 0) }
            return RolloutLog.weight(inMessage: row[2]).map { WeightPoint(time: time, weight: $0) }
        }
    }
}
