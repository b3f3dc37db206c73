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

    /// Whether some object is defined twice (then only a full ``ManifestLoader/assemble(_:)``
    /// knows which definition wins).
    public var hasDuplicates = false

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

    /// Replaces what one file contributes (`old` → `new`, either may be nil) without
    /// assembling every file again. Returns false, leaving the set unusable, when a
    /// duplicate definition is involved: assemble all files then.
    public mutating func replaceFile(old: ManifestLoader.FileLoad?, new: ManifestLoader.FileLoad?) -> Bool {
        if hasDuplicates { return false }
        if let old {
            for object in old.objects {
                switch object.object {
                case .template: templates[object.key] = nil
                case .deployment: deployments[object.key] = nil
                case .policy: policies[object.key] = nil
                }
                invalidObjects.remove(object.key)
            }
            let path = old.path
            diagnostics.removeAll { $0.location.path == path }
            unattributedFiles.remove(path)
        }
        if let new {
            for object in new.objects {
                let taken: Bool
                switch object.object {
                case .template(let t): taken = templates.updateValue(t, forKey: object.key) != nil
                case .deployment(let d): taken = deployments.updateValue(d, forKey: object.key) != nil
                case .policy(let p): taken = policies.updateValue(p, forKey: object.key) != nil
                }
                if taken { return false }
                if object.isInvalid { invalidObjects.insert(object.key) }
            }
            diagnostics += new.diagnostics
            if new.isUnattributed { unattributedFiles.insert(new.path) }
        }
        return true
    }
}
