/// Everything loaded from a set of manifest files: the typed objects and every problem.
public struct ManifestSet: Sendable {
    /// Templates by key (typed). A controller keeps most templates compacted instead
    /// (``compactTemplates``) and expands the namespaces a pass works on.
    public var templates: [ObjectKey: PromptTemplate] = [:]
    /// Compacted templates: namespace → name → template.
    public private(set) var compactTemplates: [String: [String: CompactTemplate]] = [:]
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
        var names = Set(compactTemplates.keys)
        for key in templates.keys { names.insert(key.namespace) }
        for key in deployments.keys { names.insert(key.namespace) }
        for key in policies.keys { names.insert(key.namespace) }
        return names.sorted()
    }

    /// The namespaces of `only` that hold an object (every namespace when nil), sorted.
    /// One scan of the keys, without building the set of every namespace.
    public func namespaces(among only: Set<String>?) -> [String] {
        guard let only else { return namespaces }
        var found: Set<String> = []
        for ns in only where compactTemplates[ns] != nil { found.insert(ns) }
        func scan<Value>(_ objects: [ObjectKey: Value]) {
            for key in objects.keys where found.count < only.count && only.contains(key.namespace) { found.insert(key.namespace) }
        }
        scan(templates)
        scan(deployments)
        scan(policies)
        return found.sorted()
    }

    /// The keys of the Deployments of one namespace, sorted by name (a scan of the keys only:
    /// copying every Deployment out to filter it showed in a pass's profile).
    public func deploymentKeys(in namespace: String) -> [ObjectKey] {
        deployments.keys.filter { $0.namespace == namespace }.sorted { $0.name < $1.name }
    }

    /// Whether a template is held, typed or compacted.
    func holdsTemplate(_ key: ObjectKey) -> Bool {
        templates[key] != nil || compactTemplates[key.namespace]?[key.name] != nil
    }

    /// Adds a compacted template; false when the key is already taken.
    mutating func insertCompact(_ template: CompactTemplate) -> Bool {
        let key = template.key
        guard !holdsTemplate(key) else { return false }
        compactTemplates[key.namespace, default: [:]][key.name] = template
        return true
    }

    /// Removes a template, typed or compacted.
    mutating func removeTemplate(_ key: ObjectKey) {
        templates[key] = nil
        if compactTemplates[key.namespace]?.removeValue(forKey: key.name) != nil, compactTemplates[key.namespace]?.isEmpty == true {
            compactTemplates[key.namespace] = nil
        }
    }

    /// Makes the compacted templates of `namespaces` (nil: all) typed again, for validation.
    /// Returns the files they come from (`expanded`): a problem reported at one of them has
    /// no exact position (see ``CompactTemplate``), so the caller parses those files again;
    /// and the files of templates whose canonical content could not be read back
    /// (`unreadable`, left out of the set), which must be parsed again in any case.
    public mutating func expand(namespaces: Set<String>?) -> (expanded: Set<String>, unreadable: Set<String>) {
        var expanded: Set<String> = []
        var unreadable: Set<String> = []
        let names = namespaces.map { Array($0) } ?? Array(compactTemplates.keys)
        for namespace in names {
            guard let compacted = compactTemplates.removeValue(forKey: namespace) else { continue }
            for compact in compacted.values {
                expanded.insert(compact.path)
                if let template = compact.expand() { templates[compact.key] = template } else { unreadable.insert(compact.path) }
            }
        }
        return (expanded, unreadable)
    }

    /// Makes the compacted templates `names` of `namespace` typed again (see
    /// ``expand(namespaces:)``; names not held compacted are left as they are).
    public mutating func expand(templates names: Set<String>, in namespace: String) -> (expanded: Set<String>, unreadable: Set<String>) {
        var expanded: Set<String> = []
        var unreadable: Set<String> = []
        for name in names {
            guard let compact = compactTemplates[namespace]?.removeValue(forKey: name) else { continue }
            if compactTemplates[namespace]?.isEmpty == true { compactTemplates[namespace] = nil }
            expanded.insert(compact.path)
            if let template = compact.expand() { templates[compact.key] = template } else { unreadable.insert(compact.path) }
        }
        return (expanded, unreadable)
    }

    /// Whether `namespace` holds a template `name`, typed or compacted.
    public func holdsTemplate(_ name: String, in namespace: String) -> Bool {
        holdsTemplate(ObjectKey(kind: "PromptTemplate", namespace: namespace, name: name))
    }

    /// The names of the templates of `namespace`, typed or compacted.
    public func templateNames(in namespace: String) -> Set<String> {
        var out = Set(compactTemplates[namespace]?.keys ?? [String: CompactTemplate]().keys)
        for key in templates.keys where key.namespace == namespace { out.insert(key.name) }
        return out
    }

    /// Holds `template` compacted from now on, in place of its typed form (the file cache
    /// and the set share the one compacted object).
    public mutating func adopt(_ template: CompactTemplate) {
        let key = template.key
        templates[key] = nil
        compactTemplates[key.namespace, default: [:]][key.name] = template
    }

    /// Gives back the room of templates that were compacted (a dictionary keeps its
    /// capacity when emptied; after a first pass that is room for every template).
    public mutating func shrinkTypedTemplates() {
        if templates.capacity > 2 * templates.count + 64 {
            templates = Dictionary(uniqueKeysWithValues: templates.map { ($0.key, $0.value) })
        }
    }

    /// The typed templates of one namespace by name (compacted ones are not included:
    /// ``expand(namespaces:)`` first).
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
                case .template, .compactTemplate: removeTemplate(object.key)
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
                case .template(let t):
                    taken = holdsTemplate(object.key)
                    templates[object.key] = t
                case .compactTemplate(let c): taken = !insertCompact(c)
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
