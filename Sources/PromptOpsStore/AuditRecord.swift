import Foundation

/// One entry of the append-only, hash-chained audit log.
public struct AuditRecord: Sendable, Equatable, Codable {
    /// Position in the chain, from 1, without gaps.
    public var seq: Int64
    /// When it was written.
    public var time: Date
    /// Who: `controller` for reconciles, an operator's name for manual overrides.
    public var actor: String
    /// What: `apply`, later `promote`, `abort`, `retry`...
    public var action: String
    /// The namespace concerned.
    public var namespace: String?
    /// The object concerned (`Deployment/name`), when one.
    public var object: String?
    /// The git revision concerned.
    public var revision: String?
    /// Structured details, exactly as stored (and hashed).
    public var details: EmbeddedJSON
    /// The hash of the previous record (64 zeros for the first).
    public var prevHash: String
    /// SHA-256 of `prevHash` and this record's canonical fields.
    public var hash: String

    /// Creates a record.
    public init(seq: Int64, time: Date, actor: String, action: String, namespace: String?, object: String?, revision: String?,
                details: EmbeddedJSON, prevHash: String, hash: String) {
        self.seq = seq
        self.time = time
        self.actor = actor
        self.action = action
        self.namespace = namespace
        self.object = object
        self.revision = revision
        self.details = details
        self.prevHash = prevHash
        self.hash = hash
    }
}

/// The result of recomputing the audit chain.
public struct AuditVerification: Sendable, Equatable, Codable {
    /// True when every record is present, in order, linked and unaltered.
    public var isIntact: Bool
    /// Records checked.
    public var recordCount: Int
    /// The last record's seq.
    public var headSeq: Int64?
    /// The last record's hash (64 zeros when empty): anchor it elsewhere to detect truncation.
    public var headHash: String
    /// The first seq where the chain breaks.
    public var brokenAt: Int64?
    /// What is wrong there.
    public var problem: String?

    /// Creates a verification result.
    public init(isIntact: Bool, recordCount: Int, headSeq: Int64?, headHash: String, brokenAt: Int64? = nil, problem: String? = nil) {
        self.isIntact = isIntact
        self.recordCount = recordCount
        self.headSeq = headSeq
        self.headHash = headHash
        self.brokenAt = brokenAt
        self.problem = problem
    }
}
