/// What the serving store holds for one namespace, as the planner needs it.
public struct ServedNamespace: Sendable, Equatable {
    /// An object currently served.
    public struct Object: Sendable, Equatable {
        /// Identity hash (see ``DesiredObject/hash``).
        public var hash: String
        /// Canonical spec.
        public var specJSON: String
        /// The file it came from.
        public var path: String
        /// Its labels as stored (``DesiredObject/labelsJSON``).
        public var labelsJSON: String

        /// Creates a served object.
        public init(hash: String, specJSON: String, path: String, labelsJSON: String = "{}") {
            self.hash = hash
            self.specJSON = specJSON
            self.path = path
            self.labelsJSON = labelsJSON
        }
    }

    /// A Deployment's currently served (stable) version.
    public struct ServedDeployment: Sendable, Equatable {
        /// The template served.
        public var template: String
        /// The version number served.
        public var version: Int
        /// Its effective hash.
        public var hash: String
        /// The effective hash of a canary in progress, if one runs.
        public var canaryHash: String?

        /// Creates a served deployment.
        public init(template: String, version: Int, hash: String, canaryHash: String? = nil) {
            self.template = template
            self.version = version
            self.hash = hash
            self.canaryHash = canaryHash
        }
    }

    /// The namespace.
    public var name: String
    /// Served objects by kind then name.
    public var objects: [String: [String: Object]]
    /// Every stored version of every template: template → hash → version number.
    public var versions: [String: [String: Int]]
    /// Deployments by name.
    public var deployments: [String: ServedDeployment]
    /// The last revision applied, if any.
    public var lastAppliedRevision: String?

    /// Creates a served namespace.
    public init(name: String, objects: [String: [String: Object]] = [:], versions: [String: [String: Int]] = [:],
                deployments: [String: ServedDeployment] = [:], lastAppliedRevision: String? = nil) {
        self.name = name
        self.objects = objects
        self.versions = versions
        self.deployments = deployments
        self.lastAppliedRevision = lastAppliedRevision
    }

    /// The version number a template's hash has, if stored.
    public func version(of template: String, hash: String) -> Int? { versions[template]?[hash] }

    /// The highest stored version of a template (0 when none).
    public func latestVersion(of template: String) -> Int { versions[template]?.values.max() ?? 0 }
}

/// What the serving store holds, per namespace.
public struct ServedState: Sendable, Equatable {
    /// Namespaces by name.
    public var namespaces: [String: ServedNamespace]

    /// Creates a served state.
    public init(namespaces: [String: ServedNamespace] = [:]) {
        self.namespaces = namespaces
    }

    /// The state a store would hold after applying `desired` to an empty store, for
    /// comparing two commits without a store (`diff --from --to`). Version numbers are 1.
    public init(applying desired: DesiredState) {
        var out: [String: ServedNamespace] = [:]
        for (name, ns) in desired.namespaces where ns.errors.isEmpty {
            var served = ServedNamespace(name: name)
            for object in ns.objects {
                served.objects[object.kind, default: [:]][object.name] = .init(hash: object.hash, specJSON: object.specJSON, path: object.path)
            }
            for (t, template) in ns.templates { served.versions[t] = [template.object.hash: 1] }
            for (d, deployment) in ns.deployments {
                if let t = ns.templates[deployment.template] {
                    served.deployments[d] = .init(template: deployment.template, version: 1, hash: t.object.hash)
                }
            }
            out[name] = served
        }
        namespaces = out
    }
}
