/// Everything loaded from a set of manifest files: the typed objects and every problem.
public struct ManifestSet: Sendable {
    /// Templates by key.
    public var templates: [ObjectKey: PromptTemplate] = [:]
    /// Deployments by key.
    public var deployments: [ObjectKey: Deployment] = [:]
    /// Policies by key.
    public var policies: [ObjectKey: Policy] = [:]
    /// Problems found while loading and validating.
    public var diagnostics: [Diagnostic] = []
    /// Files whose problems could not be tied to a namespace (syntax errors before any
    /// metadata was read), by path.
    public var unattributedFiles: Set<String> = []

    /// Objects that failed the schema; later checks skip them to avoid follow-on noise.
    public var invalidObjects: Set<ObjectKey> = []

    /// Creates an empty set.
    public init() {}

    /// Every namespace that holds an object.
    public var namespaces: [String] {
        Set(templates.keys.map(\.namespace) + deployments.keys.map(\.namespace) + policies.keys.map(\.namespace)).sorted()
    }

    /// The templates of one namespace by name.
    public func templates(in namespace: String) -> [String: PromptTemplate] {
        var out: [String: PromptTemplate] = [:]
        for (key, t) in templates where key.namespace == namespace { out[key.name] = t }
        return out
    }

    /// The template `name` of `namespace`.
    public func template(_ name: String, in namespace: String) -> PromptTemplate? {
        templates[ObjectKey(kind: "PromptTemplate", namespace: namespace, name: name)]
    }

    /// True when any diagnostic is an error.
    public var hasErrors: Bool { diagnostics.hasErrors }
}
