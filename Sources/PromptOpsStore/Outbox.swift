import Foundation
import GRDB

/// The notification outbox: a notification is written in the transaction of the event it
/// reports, so it exists exactly when the event does. A delivery task routes each one to the
/// receivers whose rules match (one `outbox_delivery` row per receiver) and sends it with
/// retries; nothing is lost when the process dies in between.
public enum Outbox {
    /// The event types a notification can have (controller-config.md, "Notifications").
    public static let types = ["Applied", "Blocked", "SyncFailed", "CanaryStarted", "StepAdvanced", "Paused",
                               "Promoted", "RolledBack", "Superseded", "Cancelled", "ManualOverride"]

    /// Adds a notification for event `eventID` inside the caller's transaction.
    static func enqueue(_ db: Database, eventID: Int64, type: String, namespace: String?, subject: String, revision: String?,
                        message: String, data: [String: JSONValue], time: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(JSONValue.object(data)), as: UTF8.self)
        try db.execute(sql: """
            INSERT INTO outbox (event_id, type, namespace, subject, revision, message, data_json, time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [eventID, type, namespace, subject, revision, message, json, time])
    }
}

/// One notification as stored in the outbox.
public struct OutboxNotification: Sendable, Equatable {
    /// Outbox row id.
    public var id: Int64
    /// The event it reports; also the idempotency key a receiver can drop repeats by.
    public var eventID: Int64
    /// `Applied`, `Blocked`, `RolledBack`…
    public var type: String
    /// The namespace (nil: controller-wide, e.g. a source that cannot be fetched).
    public var namespace: String?
    /// `namespace/name`, the namespace, or the source.
    public var subject: String
    /// The commit concerned.
    public var revision: String?
    /// One sentence for people.
    public var message: String
    /// Details: located errors, measurements, versions.
    public var data: JSONValue
    /// When the event happened.
    public var time: Date
}

/// A notification due for delivery to one receiver.
public struct PendingDelivery: Sendable, Equatable {
    /// What to send.
    public var notification: OutboxNotification
    /// The receiver's name.
    public var receiver: String
    /// Attempts made so far.
    public var attempts: Int
}

extension OutboxNotification {
    static let columns = "o.id, o.event_id, o.type, o.namespace, o.subject, o.revision, o.message, o.data_json, o.time"

    init(row: Row) {
        self.init(id: row[0], eventID: row[1], type: row[2], namespace: row[3], subject: row[4], revision: row[5], message: row[6],
                  data: JSONValue(json: row[7]) ?? .object([:]), time: StoreTime.parse(row[8]) ?? .distantPast)
    }
}
