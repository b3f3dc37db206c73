import Foundation

/// A reference to an object in a plan.
public struct ObjectChange: Sendable, Equatable, Codable {
    /// The kind.
    public var kind: String
    /// The name.
    public var name: String
}

/// A template version the plan creates.
public struct NewVersion: Sendable, Equatable {
    /// The template.
    public var template: String
    /// The version number it gets.
    public var version: Int
    /// Its effective hash.
    public var hash: String
    /// Canonical spec.
    public var specJSON: String
    /// Self-contained effective content (spec plus modules).
    public var effectiveJSON: String
}

/// The text change of one template's messages.
public struct TemplateDiff: Sendable, Equatable {
    /// The template.
    public var template: String
    /// Per message label (`messages[0] (system)`, `text`), a unified diff; unchanged messages are left out.
    public var messages: [(label: String, diff: String)]

    public static func == (a: TemplateDiff, b: TemplateDiff) -> Bool {
        a.template == b.template && a.messages.map(\.label) == b.messages.map(\.label) && a.messages.map(\.diff) == b.messages.map(\.diff)
    }
}

/// A Deployment whose served version changes.
public struct DeploymentSwitch: Sendable, Equatable {
    /// The Deployment.
    public var deployment: String
    /// The template it serves.
    public var template: String
    /// Canary or Direct.
    public var strategy: Deployment.StrategyType
    /// The version served before (nil for a new Deployment).
    public var fromVersion: Int?
    /// Its hash.
    public var fromHash: String?
    /// The version to serve.
    public var toVersion: Int
    /// Its hash.
    public var toHash: String
}

/// What one namespace does at a revision.
public struct NamespacePlan: Sendable {
    /// Why a namespace does or does not apply.
    public enum Outcome: Sendable, Equatable {
        /// Write the changes.
        case apply
        /// Errors block it; it keeps serving what it served.
        case blocked
        /// A freeze window of `policy` is open until `until`; the changes wait.
        case frozen(policy: String, until: Date)
    }

    /// The namespace.
    public var name: String
    /// Apply, blocked or frozen.
    public var outcome: Outcome
    /// Errors (non-empty when blocked).
    public var errors: [Diagnostic]
    /// Warnings.
    public var warnings: [Diagnostic]
    /// Objects that are new.
    public var added: [ObjectChange] = []
    /// Objects whose spec (or effective content) changed.
    public var changed: [ObjectChange] = []
    /// Objects that leave git and stop being served.
    public var removed: [ObjectChange] = []
    /// The objects to write (added and changed).
    public var upserts: [DesiredObject] = []
    /// Versions created.
    public var newVersions: [NewVersion] = []
    /// Text diffs of changed templates.
    public var diffs: [TemplateDiff] = []
    /// Deployments whose served version changes.
    public var switches: [DeploymentSwitch] = []

    /// Creates a plan with no changes yet.
    public init(name: String, outcome: Outcome, errors: [Diagnostic], warnings: [Diagnostic]) {
        self.name = name
        self.outcome = outcome
        self.errors = errors
        self.warnings = warnings
    }

    /// True when applying would change nothing.
    public var isEmpty: Bool { added.isEmpty && changed.isEmpty && removed.isEmpty && newVersions.isEmpty && switches.isEmpty }
}

/// The plan for a revision: what every namespace does. The same plan drives `diff`,
/// `sync` and the controller.
public struct Plan: Sendable {
    /// The revision planned.
    public var revision: String
    /// Per namespace, sorted by name.
    public var namespaces: [NamespacePlan]

    /// Creates a plan.
    public init(revision: String, namespaces: [NamespacePlan]) {
        self.revision = revision
        self.namespaces = namespaces
    }

    /// True when no namespace would change and none is blocked.
    public var isEmpty: Bool { namespaces.allSatisfy { $0.isEmpty && $0.outcome == .apply } }
}
