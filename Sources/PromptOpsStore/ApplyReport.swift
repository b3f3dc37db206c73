/// What ``ServingStore/apply(_:commit:actor:now:)`` did, per namespace.
public struct ApplyReport: Sendable, Equatable, Codable {
    /// What happened to one namespace.
    public enum Outcome: String, Sendable, Equatable, Codable {
        /// Changes were written (versions, served objects, switches, events, audit).
        case applied
        /// Nothing to apply, but the status moved to the new revision.
        case revisionRecorded
        /// Nothing was written: the namespace was already at this revision.
        case unchanged
        /// Errors block the namespace; it keeps serving what it served.
        case blocked
        /// A freeze window holds the changes back.
        case frozen
        /// The store failed to write the namespace; its transaction rolled back.
        case failed
    }

    /// The result for one namespace.
    public struct NamespaceResult: Sendable, Equatable, Codable {
        /// The namespace.
        public var namespace: String
        /// What happened.
        public var outcome: Outcome
        /// Whether the transaction changed any row.
        public var wrote: Bool
        /// Template versions created.
        public var versionsCreated: Int
        /// Deployments switched to another version.
        public var switched: Int
        /// The store failure, when `outcome == .failed`.
        public var error: StoreError?

        /// Creates a namespace result.
        public init(namespace: String, outcome: Outcome, wrote: Bool, versionsCreated: Int = 0, switched: Int = 0, error: StoreError? = nil) {
            self.namespace = namespace
            self.outcome = outcome
            self.wrote = wrote
            self.versionsCreated = versionsCreated
            self.switched = switched
            self.error = error
        }
    }

    /// The revision applied.
    public var revision: String
    /// Per namespace, in plan order.
    public var namespaces: [NamespaceResult]

    /// Creates a report.
    public init(revision: String, namespaces: [NamespaceResult]) {
        self.revision = revision
        self.namespaces = namespaces
    }

    /// Namespaces the store failed to write.
    public var failures: [NamespaceResult] { namespaces.filter { $0.outcome == .failed } }
    /// True when any namespace was blocked or failed (`sync` exits 1).
    public var hasProblems: Bool { namespaces.contains { $0.outcome == .failed || $0.outcome == .blocked } }
    /// True when no namespace wrote anything.
    public var wroteNothing: Bool { !namespaces.contains(where: \.wrote) }
}
