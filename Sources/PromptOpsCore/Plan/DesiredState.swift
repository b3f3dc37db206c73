import Crypto

/// One object as it should be served: its canonical spec and identity hash.
public struct DesiredObject: Sendable, Equatable {
    /// `PromptTemplate`, `Deployment` or `Policy`.
    public var kind: String
    /// The name.
    public var name: String
    /// Canonical JSON of `spec`.
    public var specJSON: String
    /// Templates: the effective-content hash; other kinds: SHA-256 of `specJSON`.
    public var hash: String
    /// The file the object came from.
    public var path: String
    /// Labels, kept for status.
    public var labels: [String: String]

    /// ``labels`` as the store keeps them: canonical JSON, keys sorted.
    public var labelsJSON: String { Self.labelsJSON(labels) }

    /// Labels as canonical JSON, keys sorted.
    public static func labelsJSON(_ labels: [String: String]) -> String {
        "{" + labels.keys.sorted().map { "\(CanonicalJSON.encodeKey($0)):\(CanonicalJSON.encodeKey(labels[$0]!))" }.joined(separator: ",") + "}"
    }

    /// Labels read back from the text ``labelsJSON(_:)`` writes; nil when it is not a JSON
    /// object of strings. (Foundation's JSONDecoder took 5 % of a one-shot `sync` reading a
    /// namespace's rows back; this reader is the one compacted templates are expanded with.)
    public static func labels(fromJSON text: String) -> [String: String]? {
        guard let value = JSONTreeReader.read(text, at: SourceLocation(path: "", line: 1, column: 1)),
              case .object(let members) = value.content else { return nil }
        var out: [String: String] = [:]
        out.reserveCapacity(members.count)
        for member in members {
            guard let text = member.value.string, out.updateValue(text, forKey: member.key) == nil else { return nil }
        }
        return out
    }

    /// Creates a desired object.
    public init(kind: String, name: String, specJSON: String, hash: String, path: String, labels: [String: String] = [:]) {
        self.kind = kind
        self.name = name
        self.specJSON = specJSON
        self.hash = hash
        self.path = path
        self.labels = labels
    }
}

/// A template as it should be served, with everything needed to store and render its version.
public struct DesiredTemplate: Sendable, Equatable {
    /// The object (its `hash` is the effective hash).
    public var object: DesiredObject
    /// Canonical JSON of the effective content: `{"modules":{name: spec...},"spec":{...}}`;
    /// self-contained, so a stored version renders without any other row.
    public var effectiveJSON: String
}

/// A Deployment as it should be served.
public struct DesiredDeployment: Sendable, Equatable {
    /// The object.
    public var object: DesiredObject
    /// The template it serves.
    public var template: String
    /// Canary or Direct.
    public var strategy: Deployment.StrategyType
}

/// The desired state of one namespace at a revision.
public struct DesiredNamespace: Sendable {
    /// The namespace.
    public var name: String
    /// Errors that block applying it.
    public var errors: [Diagnostic]
    /// Warnings (reported, not blocking).
    public var warnings: [Diagnostic]
    /// Templates by name.
    public var templates: [String: DesiredTemplate]
    /// Deployments by name.
    public var deployments: [String: DesiredDeployment]
    /// Policies by name.
    public var policies: [String: DesiredObject]
    /// The typed policies, for freeze windows.
    public var policyRules: [Policy]

    /// Every object, templates first, sorted by kind and name.
    public var objects: [DesiredObject] {
        templates.values.map(\.object) + deployments.values.map(\.object) + policies.values.map { $0 }
    }
}

/// Everything a revision asks to serve, per namespace.
public struct DesiredState: Sendable {
    /// Namespaces by name.
    public var namespaces: [String: DesiredNamespace]

    /// Builds the desired state from loaded and validated manifests. `blockedFiles` maps
    /// files whose problems could not be tied to a namespace (a YAML syntax error) to the
    /// namespaces they are known to feed; those namespaces are blocked too, so a broken
    /// file never looks like deleted objects.
    /// With `only`, just those namespaces are built. Platform Policies (the set's own with
    /// `spec.namespaces`, and `platformPolicies` from other sources) add their freeze windows
    /// to every namespace they govern.
    public init(set: ManifestSet, validation: ManifestValidator.Result, blockedFiles: [String: Set<String>] = [:],
                only: Set<String>? = nil, platformPolicies: [Policy] = []) {
        let wanted: (String) -> Bool = { only?.contains($0) ?? true }
        // Every entry is changed in place (`namespaces[ns, default:]…`): copying a namespace
        // out, adding one object and storing it back copied its dictionaries once per object,
        // which a profile of a 500-Deployment namespace showed as most of a pass's planning.
        var namespaces: [String: DesiredNamespace] = [:]
        let empty = { (name: String) in
            DesiredNamespace(name: name, errors: [], warnings: [], templates: [:], deployments: [:], policies: [:], policyRules: [])
        }
        for name in set.namespaces(among: only) { namespaces[name] = empty(name) }
        for d in validation.diagnostics {
            let targets: Set<String>
            if let ns = d.namespace { targets = [ns] } else { targets = blockedFiles[d.location.path] ?? [] }
            for ns in targets where wanted(ns) {
                if d.severity == .error {
                    namespaces[ns, default: empty(ns)].errors.append(d)
                } else {
                    namespaces[ns, default: empty(ns)].warnings.append(d)
                }
            }
        }
        for (ns, compiled) in validation.namespaces where wanted(ns) {
            namespaces[ns, default: empty(ns)].templates.merge(Self.templates(compiled, only: nil)) { _, new in new }
        }
        for key in set.deployments.keys where wanted(key.namespace) {
            namespaces[key.namespace, default: empty(key.namespace)].deployments[key.name] = Self.deployment(set.deployments[key]!)
        }
        for (key, p) in set.policies where wanted(key.namespace) {
            let spec = CanonicalJSON.encode(p.document["spec"] ?? p.document)
            namespaces[key.namespace, default: empty(key.namespace)].policies[key.name] = DesiredObject(
                kind: "Policy", name: key.name, specJSON: spec, hash: Self.sha256(spec), path: p.document.location.path, labels: p.meta.labels)
            if p.namespaces == nil { namespaces[key.namespace, default: empty(key.namespace)].policyRules.append(p) }
        }
        let platform = set.policies.values.filter { $0.namespaces != nil } + platformPolicies
        if !platform.isEmpty {
            for name in Array(namespaces.keys) {
                namespaces[name]!.policyRules += platform.filter { $0.governs(name) }
            }
        }
        self.namespaces = namespaces
    }

    /// The desired state of some objects of one namespace no Policy governs: the templates
    /// `templates` (from `compiled`, which holds them and what they include) and the
    /// Deployments `deployments` of `set`, with the namespace's problems from `diagnostics`.
    /// Planned against the served rows of the same names only
    /// (``Planner/plan(namespace:desired:served:now:)``), it gives what a plan of the whole
    /// namespace gives when the other objects have not changed, with one difference that
    /// writes nothing else: a rolled-back Canary Deployment whose template did not change is
    /// not planned again (a whole plan lists its switch, which the store skips). Names not
    /// defined are left out (removals).
    public static func narrow(namespace: String, set: ManifestSet, compiled: CompiledNamespace, diagnostics: [Diagnostic],
                              templates: Set<String>, deployments: Set<String>) -> DesiredNamespace {
        var out = DesiredNamespace(name: namespace, errors: [], warnings: [], templates: [:], deployments: [:], policies: [:], policyRules: [])
        for d in diagnostics where d.namespace == namespace {
            if d.severity == .error { out.errors.append(d) } else { out.warnings.append(d) }
        }
        out.templates = Self.templates(compiled, only: templates)
        for name in deployments {
            if let d = set.deployments[ObjectKey(kind: "Deployment", namespace: namespace, name: name)] { out.deployments[name] = deployment(d) }
        }
        return out
    }

    /// The templates of `compiled` (only those named in `only`, when given) as they should be served.
    static func templates(_ compiled: CompiledNamespace, only: Set<String>?) -> [String: DesiredTemplate] {
        let hashes = EffectiveContent.hashes(compiled)
        var templates: [String: DesiredTemplate] = [:]
        templates.reserveCapacity(only?.count ?? compiled.entries.count)
        for (name, compiledEntry) in compiled.entries where only?.contains(name) ?? true {
            let t = compiledEntry.template
            let spec = t.origin.specJSON
            var modules: [String: String] = [:]
            for module in compiled.transitiveIncludes(of: name) {
                if let m = compiled.entries[module]?.template { modules[module] = m.origin.specJSON }
            }
            let moduleJSON = modules.keys.sorted().map { "\(CanonicalJSON.encodeKey($0)):\(modules[$0]!)" }.joined(separator: ",")
            let object = DesiredObject(kind: "PromptTemplate", name: name, specJSON: spec, hash: hashes[name] ?? "",
                                       path: t.origin.path, labels: t.meta.labels)
            templates[name] = DesiredTemplate(object: object, effectiveJSON: "{\"modules\":{\(moduleJSON)},\"spec\":\(spec)}")
        }
        return templates
    }

    /// A Deployment as it should be served.
    static func deployment(_ d: Deployment) -> DesiredDeployment {
        let document = d.document  // read once: a Deployment keeps it packed
        let spec = CanonicalJSON.encode(document["spec"] ?? document)
        return DesiredDeployment(
            object: DesiredObject(kind: "Deployment", name: d.meta.name, specJSON: spec, hash: d.specHash,
                                  path: document.location.path, labels: d.meta.labels),
            template: d.template, strategy: d.strategy)
    }

    /// SHA-256 hex of a string.
    static func sha256(_ text: String) -> String { EffectiveContent.sha256Hex(text) }
}
