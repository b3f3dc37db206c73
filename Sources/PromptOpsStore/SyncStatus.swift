import Foundation
import PromptOpsCore

/// The controller's sync state: the last pass over the source and every namespace's
/// result (`GET /api/v1/status`, `promptops status`).
public struct SyncStatus: Sendable, Equatable, Codable {
    /// The last revision synced without a source error; nil before the first.
    public var revision: String?
    /// The branch followed; nil before the first pass.
    public var branch: String?
    /// The last revision a pass tried.
    public var attemptedRevision: String?
    /// When the last pass ran.
    public var lastSyncTime: Date?
    /// When the last pass without a source error ran.
    public var lastSuccessTime: Date?
    /// The source error of the last pass (git, network), nil when it succeeded.
    public var lastError: String?
    /// Per namespace, sorted by name.
    public var namespaces: [NamespaceStatus]
    /// Per configured source, sorted by name (empty for the one-repository command line).
    public var sources: [SourceStatus] = []
    /// The last force-push of the branch followed (the first source's, with a config file).
    public var lastForcePush: ForcePush?

    /// Creates a sync status.
    public init(revision: String?, branch: String?, attemptedRevision: String?, lastSyncTime: Date?, lastSuccessTime: Date?,
                lastError: String?, namespaces: [NamespaceStatus]) {
        self.revision = revision
        self.branch = branch
        self.attemptedRevision = attemptedRevision
        self.lastSyncTime = lastSyncTime
        self.lastSuccessTime = lastSuccessTime
        self.lastError = lastError
        self.namespaces = namespaces
    }
}

/// One namespace's last attempt and last success.
public struct NamespaceStatus: Sendable, Equatable, Codable {
    /// The namespace.
    public var name: String
    /// The last revision tried.
    public var lastAttemptedRevision: String?
    /// The revision it serves.
    public var lastAppliedRevision: String?
    /// When it was last tried.
    public var lastAttemptedAt: Date?
    /// When it last applied.
    public var lastAppliedAt: Date?
    /// The errors of the last attempt (empty when it applied), each with `path:line:col`.
    public var errors: [Diagnostic]
    /// Warnings of the last attempt.
    public var warnings: [Diagnostic]
    /// The policy whose freeze window holds changes back.
    public var frozenBy: String?
    /// When that window closes.
    public var frozenUntil: Date?

    /// Creates a namespace status.
    public init(name: String, lastAttemptedRevision: String?, lastAppliedRevision: String?, lastAttemptedAt: Date?,
                lastAppliedAt: Date?, errors: [Diagnostic], warnings: [Diagnostic], frozenBy: String?, frozenUntil: Date?) {
        self.name = name
        self.lastAttemptedRevision = lastAttemptedRevision
        self.lastAppliedRevision = lastAppliedRevision
        self.lastAttemptedAt = lastAttemptedAt
        self.lastAppliedAt = lastAppliedAt
        self.errors = errors
        self.warnings = warnings
        self.frozenBy = frozenBy
        self.frozenUntil = frozenUntil
    }

    /// True when the namespace serves the revision it last tried.
    public var isUpToDate: Bool { errors.isEmpty && frozenBy == nil && lastAttemptedRevision == lastAppliedRevision }
}

/// One configured source's last pass (`sources` in `GET /api/v1/status`).
public struct SourceStatus: Sendable, Equatable, Codable {
    /// The source's name in the controller config.
    public var name: String
    /// Its URL (never with credentials: the config refuses them in URLs).
    public var url: String
    /// The branch followed.
    public var branch: String
    /// The last revision read without error.
    public var revision: String?
    /// The last revision a pass tried.
    public var attemptedRevision: String?
    /// When the last pass ran.
    public var lastSyncTime: Date?
    /// When the last pass without error ran.
    public var lastSuccessTime: Date?
    /// The error of the last pass (auth, host key, timeout, network), nil when it succeeded.
    public var lastError: String?
    /// Since when that error is reported.
    public var lastErrorTime: Date?
    /// Objects of the last read revision that were refused (outside the source's namespaces,
    /// or a platform Policy from a source that is not a platform), each at `path:line:col`.
    public var errors: [Diagnostic] = []
    /// The last time its branch was rewritten (force-pushed), nil when never seen.
    public var lastForcePush: ForcePush?
}

/// A branch head that did not descend from the revision applied before it: history was
/// rewritten (force-push, reset). The new head was applied all the same (git is the truth).
public struct ForcePush: Sendable, Equatable, Codable {
    /// The revision applied before.
    public var from: String
    /// The new head, applied.
    public var to: String
    /// When the controller saw it.
    public var time: Date

    /// Creates a record.
    public init(from: String, to: String, time: Date) {
        self.from = from
        self.to = to
        self.time = time
    }
}
