import Foundation

/// A template version a Deployment serves.
public struct VersionRef: Sendable, Equatable, Codable {
    /// The version number.
    public var version: Int
    /// Its effective content hash.
    public var hash: String

    /// Creates a reference.
    public init(version: Int, hash: String) {
        self.version = version
        self.hash = hash
    }
}

/// A canary in progress: the version, its share of keys and the step reached.
public struct CanaryState: Sendable, Equatable, Codable {
    /// The version under test.
    public var version: Int
    /// Its effective content hash.
    public var hash: String
    /// Percent of keys routed to it.
    public var weight: Int
    /// Index of the current step.
    public var step: Int?

    /// Creates a canary state.
    public init(version: Int, hash: String, weight: Int, step: Int?) {
        self.version = version
        self.hash = hash
        self.weight = weight
        self.step = step
    }
}

/// A served Deployment: which versions it serves and how far its rollout is.
public struct DeploymentStatus: Sendable, Equatable, Codable {
    /// The namespace.
    public var namespace: String
    /// The Deployment.
    public var name: String
    /// The template it serves.
    public var template: String
    /// `Canary` or `Direct`.
    public var strategy: String
    /// `spec.environment`, when set.
    public var environment: String?
    /// `Healthy`, `Progressing`, `Paused` or `Degraded`.
    public var phase: String
    /// The version serving all keys not routed to a canary.
    public var stable: VersionRef
    /// The canary, when one runs (always nil until rollouts land).
    public var canary: CanaryState?
    /// The revision that last changed what it serves.
    public var revision: String
    /// When that happened.
    public var updatedAt: Date

    /// Creates a deployment status.
    public init(namespace: String, name: String, template: String, strategy: String, environment: String?, phase: String,
                stable: VersionRef, canary: CanaryState?, revision: String, updatedAt: Date) {
        self.namespace = namespace
        self.name = name
        self.template = template
        self.strategy = strategy
        self.environment = environment
        self.phase = phase
        self.stable = stable
        self.canary = canary
        self.revision = revision
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case namespace, name, template, strategy, environment, phase, stable, canary, revision, updatedAt
    }

    /// Encodes every field; `canary` as `null` when none (the HTTP contract shows it).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(namespace, forKey: .namespace)
        try c.encode(name, forKey: .name)
        try c.encode(template, forKey: .template)
        try c.encode(strategy, forKey: .strategy)
        try c.encodeIfPresent(environment, forKey: .environment)
        try c.encode(phase, forKey: .phase)
        try c.encode(stable, forKey: .stable)
        try c.encode(canary, forKey: .canary)
        try c.encode(revision, forKey: .revision)
        try c.encode(updatedAt, forKey: .updatedAt)
    }
}

/// One change of what a Deployment serves.
public struct DeploymentHistoryEntry: Sendable, Equatable, Codable {
    /// Increasing id.
    public var id: Int64
    /// The Deployment.
    public var deployment: String
    /// The template served after the change.
    public var template: String
    /// What happened: `Switched` (later also canary steps, promotions, aborts).
    public var action: String
    /// The strategy at the time.
    public var strategy: String
    /// The version served before (nil for a new Deployment).
    public var from: VersionRef?
    /// The version served after.
    public var to: VersionRef
    /// The revision that caused it.
    public var revision: String
    /// When.
    public var time: Date

    /// Creates a history entry.
    public init(id: Int64, deployment: String, template: String, action: String, strategy: String, from: VersionRef?, to: VersionRef,
                revision: String, time: Date) {
        self.id = id
        self.deployment = deployment
        self.template = template
        self.action = action
        self.strategy = strategy
        self.from = from
        self.to = to
        self.revision = revision
        self.time = time
    }
}

/// The history of a name in a namespace: the versions of the template so named and the
/// rollout history of the Deployment so named (either may be empty).
public struct ObjectHistory: Sendable, Equatable, Codable {
    /// The namespace.
    public var namespace: String
    /// The name.
    public var name: String
    /// Template versions, oldest first.
    public var versions: [TemplateVersionSummary]
    /// Deployment changes, oldest first.
    public var rollouts: [DeploymentHistoryEntry]

    /// Creates a history.
    public init(namespace: String, name: String, versions: [TemplateVersionSummary], rollouts: [DeploymentHistoryEntry]) {
        self.namespace = namespace
        self.name = name
        self.versions = versions
        self.rollouts = rollouts
    }
}
