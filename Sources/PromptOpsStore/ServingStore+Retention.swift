import Foundation
import GRDB
import PromptOpsCore

/// What one ``ServingStore/prune(_:now:)`` removed.
public struct PruneReport: Sendable, Equatable {
    /// Events removed.
    public var events = 0
    /// Measurements removed.
    public var measurements = 0
    /// Deployment history entries removed.
    public var history = 0

    /// Whether anything was removed.
    public var isEmpty: Bool { events == 0 && measurements == 0 && history == 0 }
}

extension ServingStore {
    /// Rows removed per transaction: a prune never holds the writer for long, so a pass or a
    /// rollout step waits at most one batch.
    static let pruneBatch = 2_000

    /// Removes events, measurements and deployment history beyond `policy` (older than
    /// `maxAge` at `now`, or beyond the newest `maxCount`), in batches. Kept whatever their
    /// age: events whose notification is not delivered yet, measurements of a rollout in
    /// progress. Removed history still counts in ``rolloutSummaries()`` (its promotions and
    /// rollbacks move to `history_pruned`). When anything was removed, an audit record
    /// `prune` says how much; audit records and template versions are never removed.
    @discardableResult
    public func prune(_ policy: RetentionPolicy, now: Date) throws(StoreError) -> PruneReport {
        var report = PruneReport()
        func cutoff(_ limit: RetentionPolicy.Limit) -> String {
            StoreTime.format(now.addingTimeInterval(-TimeInterval(limit.maxAge.components.seconds)))
        }
        report.events = try pruneBatches(Self.prunableEvents, cutoff: cutoff(policy.events), keep: policy.events.maxCount) { db, ids in
            // Delivered (or given up) notifications of these events go with them.
            try db.execute(sql: "DELETE FROM outbox_delivery WHERE outbox_id IN (SELECT id FROM outbox WHERE event_id IN \(ids))")
            try db.execute(sql: "DELETE FROM outbox WHERE event_id IN \(ids)")
            try db.execute(sql: "DELETE FROM event WHERE id IN \(ids)")
        }
        report.measurements = try pruneBatches(Self.prunableMeasurements, cutoff: cutoff(policy.measurements),
                                               keep: policy.measurements.maxCount) { db, ids in
            try db.execute(sql: "DELETE FROM measurement WHERE id IN \(ids)")
        }
        report.history = try pruneBatches(Self.prunableHistory, cutoff: cutoff(policy.history), keep: policy.history.maxCount) { db, ids in
            try db.execute(sql: """
                INSERT INTO history_pruned (namespace, deployment, promotions, rollbacks)
                SELECT namespace, deployment, sum(action = 'Promoted'), sum(action = 'RolledBack')
                FROM deployment_history WHERE id IN \(ids) GROUP BY namespace, deployment
                ON CONFLICT (namespace, deployment) DO UPDATE SET
                    promotions = promotions + excluded.promotions, rollbacks = rollbacks + excluded.rollbacks
                """)
            try db.execute(sql: "DELETE FROM deployment_history WHERE id IN \(ids)")
        }
        // The serving change log only has to reach back past a running snapshot's mark.
        try writing { db in
            try db.execute(sql: "DELETE FROM serving_change WHERE seq <= (SELECT max(seq) FROM serving_change) - 100000")
        }
        if !report.isEmpty {
            _ = try appendAudit(actor: "promptops-controller", action: "prune",
                                details: #"{"events":\#(report.events),"measurements":\#(report.measurements),"history":\#(report.history)}"#,
                                now: now)
        }
        return report
    }

    /// Oldest first: rows older than ?1, or below the newest ?2, skipping those still needed.
    static let prunableEvents = """
        SELECT id FROM event e
        WHERE (time < ?1 OR id <= (SELECT max(id) FROM event) - ?2)
          AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = e.id
                          AND (o.routed = 0 OR EXISTS (SELECT 1 FROM outbox_delivery d WHERE d.outbox_id = o.id AND d.state = 'pending')))
        ORDER BY id LIMIT ?3
        """
    static let prunableMeasurements = """
        SELECT id FROM measurement m
        WHERE (time < ?1 OR id <= (SELECT max(id) FROM measurement) - ?2)
          AND NOT EXISTS (SELECT 1 FROM deployment d WHERE d.namespace = m.namespace AND d.name = m.deployment
                          AND d.phase IN ('Progressing', 'Paused') AND d.canary_version IS m.canary_version)
        ORDER BY id LIMIT ?3
        """
    static let prunableHistory = """
        SELECT id FROM deployment_history
        WHERE time < ?1 OR id <= (SELECT max(id) FROM deployment_history) - ?2
        ORDER BY id LIMIT ?3
        """

    /// Runs `select` and `delete` in transactions of ``pruneBatch`` rows until none is left.
    private func pruneBatches(_ select: String, cutoff: String, keep: Int,
                              _ delete: @escaping (Database, String) throws -> Void) throws(StoreError) -> Int {
        var total = 0
        while true {
            let removed = try writing { db -> Int in
                let ids = try Int64.fetchAll(db, sql: select, arguments: [cutoff, keep, Self.pruneBatch])
                guard !ids.isEmpty else { return 0 }
                // Integers only, so the list is safe to splice into the statement.
                try delete(db, "(" + ids.map(String.init).joined(separator: ",") + ")")
                return ids.count
            }
            total += removed
            if removed < Self.pruneBatch { return total }
        }
    }
}
