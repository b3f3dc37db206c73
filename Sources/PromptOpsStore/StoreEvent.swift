import Foundation
import GRDB

/// Something that happened, for people: a sync result or a rollout step. Newest last.
public struct StoreEvent: Sendable, Equatable, Codable {
    /// `Normal` or `Warning`, as in Kubernetes events.
    public enum EventType: String, Sendable, Equatable, Codable {
        /// Expected progress.
        case normal = "Normal"
        /// Something a person should look at.
        case warning = "Warning"
    }

    /// Reasons the store itself records (rollouts add their own).
    public enum Reason {
        /// A template version was created.
        public static let versionCreated = "VersionCreated"
        /// An object started being served.
        public static let objectAdded = "ObjectAdded"
        /// A served object's content changed.
        public static let objectChanged = "ObjectChanged"
        /// An object left git and stopped being served.
        public static let objectRemoved = "ObjectRemoved"
        /// A Deployment now serves another version.
        public static let switched = "Switched"
        /// A namespace applied a revision.
        public static let applied = "Applied"
        /// A namespace could not apply a revision (errors).
        public static let syncFailed = "SyncFailed"
        /// A namespace's changes wait for a freeze window to close.
        public static let frozen = "Frozen"
        /// A namespace applies again after errors or a freeze.
        public static let recovered = "Recovered"
        /// The controller could not read the source (git, network).
        public static let sourceFailed = "SourceFailed"
        /// The controller reads the source again.
        public static let sourceRecovered = "SourceRecovered"
        /// A notification could not be delivered within its retry budget.
        public static let notificationFailed = "NotificationFailed"
        /// A source's commit is not signed by a trusted key: nothing of it applies.
        public static let commitNotVerified = "CommitNotVerified"
        /// Objects of a source were refused: outside the namespaces it may write.
        public static let objectsRefused = "ObjectsRefused"
        /// A source's branch was rewritten: its new head does not descend from the applied revision.
        public static let forcePushed = "ForcePushed"
    }

    /// Increasing id; pass the last one seen as `sinceID` to page.
    public var id: Int64
    /// When.
    public var time: Date
    /// The namespace, nil for controller-wide events.
    public var namespace: String?
    /// Kind of the object concerned.
    public var kind: String?
    /// Name of the object concerned.
    public var name: String?
    /// Normal or Warning.
    public var type: EventType
    /// A CamelCase reason (see ``Reason``).
    public var reason: String
    /// A sentence.
    public var message: String
    /// The revision concerned.
    public var revision: String?

    /// Creates an event.
    public init(id: Int64, time: Date, namespace: String?, kind: String?, name: String?, type: EventType, reason: String,
                message: String, revision: String?) {
        self.id = id
        self.time = time
        self.namespace = namespace
        self.kind = kind
        self.name = name
        self.type = type
        self.reason = reason
        self.message = message
        self.revision = revision
    }

    /// What an event notifies (see ``Outbox``): the notification type and its details.
    struct Notice {
        /// `Applied`, `Blocked`, `RolledBack`…
        var type: String
        /// Details for receivers (located errors, measurements).
        var data: [String: JSONValue] = [:]
        /// The subject when not derivable from namespace and name (a source).
        var subject: String? = nil
    }

    /// Appends an event inside the caller's transaction, plus its notification when `notify`
    /// is given (same transaction: both exist or neither). Returns the event id.
    @discardableResult
    static func record(_ db: Database, time: String, namespace: String?, kind: String? = nil, name: String? = nil,
                       type: EventType = .normal, reason: String, message: String, revision: String?,
                       notify: Notice? = nil) throws -> Int64 {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO event (time, namespace, kind, name, type, reason, message, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [time, namespace, kind, name, type.rawValue, reason, message, revision])
        let id = db.lastInsertedRowID
        if let notify {
            let subject = notify.subject ?? [namespace, name].compactMap { $0 }.joined(separator: "/")
            try Outbox.enqueue(db, eventID: id, type: notify.type, namespace: namespace, subject: subject.isEmpty ? "controller" : subject,
                               revision: revision, message: message, data: notify.data, time: time)
        }
        return id
    }

    /// Reads an event from `SELECT id, time, namespace, kind, name, type, reason, message, revision`.
    init(row: Row) {
        self.init(id: row[0], time: StoreTime.parse(row[1]) ?? .distantPast, namespace: row[2], kind: row[3], name: row[4],
                  type: EventType(rawValue: row[5]) ?? .normal, reason: row[6], message: row[7], revision: row[8])
    }
}
