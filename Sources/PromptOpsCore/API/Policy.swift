/// A `Policy`: guardrails for the objects of its namespace.
public struct Policy: Sendable, Equatable {
    /// Deny blocks (errors); Warn only reports.
    public enum Enforcement: String, Sendable, Hashable { case deny = "Deny", warn = "Warn" }

    /// A pattern that must not appear in template text.
    public struct ForbiddenPattern: Sendable, Equatable {
        /// Shown in the error.
        public var name: String
        /// The pattern source.
        public var regex: String
    }

    /// A time when changes to the namespace wait.
    public struct FreezeWindow: Sendable, Equatable {
        /// Days the window starts on (1 = Monday ... 7 = Sunday).
        public var days: Set<Int>
        /// Start time.
        public var start: TimeOfDay
        /// End time; not after start means the next day.
        public var end: TimeOfDay
        /// IANA time zone identifier.
        public var timezone: String
    }

    /// The rules; nil means not set.
    public struct Rules: Sendable, Equatable {
        public var requireStrategy: Deployment.StrategyType?
        public var maxStepWeight: Int?
        public var requireAnalysis: Bool
        public var allowedModels: [String]?
        public var maxTokens: Int?
        public var minTests: Int?
        public var forbiddenPatterns: [ForbiddenPattern]
        public var requiredLabels: [String]
        public var freezeWindows: [FreezeWindow]
    }

    /// Identity and labels.
    public var meta: ObjectMeta
    /// Deny or Warn.
    public var enforcement: Enforcement
    /// Kinds matched (empty: both).
    public var kinds: [String]
    /// Environments matched (empty: all).
    public var environments: [String]
    /// Labels every matched object must carry (empty: all).
    public var matchLabels: [String: String]
    /// `spec.namespaces`: the namespaces (globs) a platform Policy governs; nil for a
    /// Policy of its own namespace. Only a source marked `platform: true` may set it.
    public var namespaces: [String]?
    /// The rules.
    public var rules: Rules
    /// The whole document, for locations.
    public var document: LocatedValue

    /// Whether this Policy governs objects of `namespace`: its own namespace, or (a platform
    /// Policy) every namespace its globs match.
    public func governs(_ namespace: String) -> Bool {
        guard let namespaces else { return meta.namespace == namespace }
        return namespaces.contains { Glob.matches($0, namespace) }
    }

    /// The object's key.
    public var key: ObjectKey { ObjectKey(kind: "Policy", namespace: meta.namespace, name: meta.name) }
}
