import Foundation
import GRDB

extension ServingStore {
    /// Routes notifications not yet routed: `receivers` names, for each, the receivers whose
    /// rules match (possibly none); one delivery row is added per receiver, due at once.
    /// Returns how many notifications were routed.
    @discardableResult
    public func routeOutbox(limit: Int = 500, now: Date, receivers: (OutboxNotification) -> [String]) throws(StoreError) -> Int {
        let time = StoreTime.format(now)
        return try writing { db in
            let rows = try Row.fetchAll(db, sql: "SELECT \(OutboxNotification.columns) FROM outbox o WHERE o.routed = 0 ORDER BY o.id LIMIT ?",
                                        arguments: [limit])
            for row in rows {
                let n = OutboxNotification(row: row)
                for receiver in Set(receivers(n)).sorted() {
                    try db.execute(sql: """
                        INSERT INTO outbox_delivery (outbox_id, receiver, next_attempt_at, updated_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT DO NOTHING
                        """, arguments: [n.id, receiver, time, time])
                }
                try db.execute(sql: "UPDATE outbox SET routed = 1 WHERE id = ?", arguments: [n.id])
            }
            return rows.count
        }
    }

    /// Deliveries due at `now`, oldest first.
    public func dueDeliveries(now: Date, limit: Int = 100) throws(StoreError) -> [PendingDelivery] {
        try reading { db in
            try Row.fetchAll(db, sql: """
                SELECT \(OutboxNotification.columns), d.receiver, d.attempts FROM outbox_delivery d JOIN outbox o ON o.id = d.outbox_id
                WHERE d.state = 'pending' AND d.next_attempt_at <= ? ORDER BY d.next_attempt_at, o.id LIMIT ?
                """, arguments: [StoreTime.format(now), limit]).map {
                PendingDelivery(notification: OutboxNotification(row: $0), receiver: $0[9], attempts: $0[10])
            }
        }
    }

    /// When the next pending delivery is due (nil: none pending).
    public func nextDeliveryTime() throws(StoreError) -> Date? {
        try reading { db in
            (try String.fetchOne(db, sql: "SELECT min(next_attempt_at) FROM outbox_delivery WHERE state = 'pending'")).flatMap(StoreTime.parse)
        }
    }

    /// Whether some notification is not routed yet.
    public func hasUnroutedNotifications() throws(StoreError) -> Bool {
        try reading { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM outbox WHERE routed = 0)") ?? false }
    }

    /// Records the outcome of one attempt. `retryAt` nil on failure means the retry budget is
    /// spent: the delivery is marked failed and a Warning event says so (never silently dropped).
    /// `error` must not hold a secret (the caller redacts).
    public func recordDelivery(outboxID: Int64, receiver: String, delivered: Bool, error: String? = nil, retryAt: Date? = nil,
                               now: Date) throws(StoreError) {
        let time = StoreTime.format(now)
        try writing { db in
            if delivered {
                try db.execute(sql: """
                    UPDATE outbox_delivery SET state = 'delivered', attempts = attempts + 1, last_error = NULL, updated_at = ?
                    WHERE outbox_id = ? AND receiver = ?
                    """, arguments: [time, outboxID, receiver])
            } else if let retryAt {
                try db.execute(sql: """
                    UPDATE outbox_delivery SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, updated_at = ?
                    WHERE outbox_id = ? AND receiver = ?
                    """, arguments: [error, StoreTime.format(retryAt), time, outboxID, receiver])
            } else {
                try db.execute(sql: """
                    UPDATE outbox_delivery SET state = 'failed', attempts = attempts + 1, last_error = ?, updated_at = ?
                    WHERE outbox_id = ? AND receiver = ?
                    """, arguments: [error, time, outboxID, receiver])
                let row = try Row.fetchOne(db, sql: "SELECT type, subject, namespace, revision FROM outbox WHERE id = ?", arguments: [outboxID])
                let type: String = row?[0] ?? "?", subject: String = row?[1] ?? "?"
                _ = try StoreEvent.record(db, time: time, namespace: row?[2], type: .warning, reason: StoreEvent.Reason.notificationFailed,
                                          message: "notification \(type) for \(subject) could not be delivered to receiver \(receiver): \(error ?? "failed")",
                                          revision: row?[3])
            }
        }
    }

    /// Counts of deliveries by state (for metrics and tests).
    public func deliveryCounts() throws(StoreError) -> [String: Int] {
        try reading { db in
            var out = ["pending": 0, "delivered": 0, "failed": 0]
            for row in try Row.fetchAll(db, sql: "SELECT state, count(*) FROM outbox_delivery GROUP BY state") { out[row[0]] = row[1] }
            return out
        }
    }

    /// Every notification in the outbox, oldest first (for `promptops` tools and tests).
    public func notifications(limit: Int = 1000) throws(StoreError) -> [OutboxNotification] {
        try reading { db in
            try Row.fetchAll(db, sql: "SELECT \(OutboxNotification.columns) FROM outbox o ORDER BY o.id LIMIT ?", arguments: [limit])
                .map(OutboxNotification.init(row:))
        }
    }
}

extension ServingStore {
    /// Marks notifications not routed before `before` as routed to nobody (a controller that
    /// ran without receivers must not send its whole history once receivers are configured).
    /// Returns how many.
    @discardableResult
    public func discardUnroutedNotifications(before: Date) throws(StoreError) -> Int {
        try writing { db in
            try db.execute(sql: "UPDATE outbox SET routed = 1 WHERE routed = 0 AND time < ?", arguments: [StoreTime.format(before)])
            return db.changesCount
        }
    }

    /// Deletes notifications finished before `before`: routed, with no delivery pending. The
    /// events they reported stay. Returns how many notifications were deleted.
    @discardableResult
    public func pruneNotifications(before: Date) throws(StoreError) -> Int {
        let time = StoreTime.format(before)
        return try writing { db in
            let finished = """
                SELECT o.id FROM outbox o WHERE o.routed = 1 AND o.time < ?
                AND NOT EXISTS (SELECT 1 FROM outbox_delivery d WHERE d.outbox_id = o.id AND d.state = 'pending')
                """
            try db.execute(sql: "DELETE FROM outbox_delivery WHERE outbox_id IN (\(finished))", arguments: [time])
            try db.execute(sql: "DELETE FROM outbox WHERE id IN (\(finished))", arguments: [time])
            return db.changesCount
        }
    }
}
