/// What one configured source may write (like an Argo CD AppProject's destinations): the
/// namespaces its objects may name, and whether it may define platform Policies
/// (`spec.namespaces`) that govern other sources' namespaces.
public struct SourceGrant: Sendable, Equatable {
    /// The source's name, for messages.
    public var source: String
    /// Namespace globs (`support`, `marketing-*`, `*`); nil: every namespace.
    public var namespaces: [String]?
    /// Whether its Policies may set `spec.namespaces`.
    public var platform: Bool

    /// Creates a grant.
    public init(source: String, namespaces: [String]?, platform: Bool) {
        self.source = source
        self.namespaces = namespaces
        self.platform = platform
    }

    /// The one-repository command line: everything, platform Policies included.
    public static func unrestricted(_ source: String) -> SourceGrant { SourceGrant(source: source, namespaces: nil, platform: true) }

    /// Whether the source may write objects of `namespace`. With a namespace list, only a
    /// well-formed name (a DNS label) can match: `*` must not let a crafted name through.
    public func allows(_ namespace: String) -> Bool {
        guard let namespaces else { return true }
        return StringFormat.isDNSLabel(namespace) && namespaces.contains { Glob.matches($0, namespace) }
    }

    /// Splits one file's objects: those the source may write stay in the returned load; every
    /// other one is removed together with its own diagnostics (it is not this source's to
    /// validate), and reported as an error at its `metadata.name`. The errors name no
    /// namespace on purpose: they belong to the source, and must block nothing else.
    public func restrict(_ load: ManifestLoader.FileLoad) -> (load: ManifestLoader.FileLoad, refused: [Diagnostic]) {
        if namespaces == nil && platform { return (load, []) }
        var kept = load
        kept.objects = []
        var refused: [Diagnostic] = []
        var dropped: Set<ObjectKey> = []
        for object in load.objects {
            let key = object.key
            if !allows(key.namespace) {
                let list = (namespaces ?? []).joined(separator: ", ")
                refused.append(Diagnostic(.error, at: object.nameLocation,
                    "\(key.kind) '\(key.name)' is in namespace '\(key.namespace)', which source '\(source)' may not write "
                        + "(its namespaces: \(list.isEmpty ? "none" : list)); it is not applied", kind: key.kind, name: key.name))
                dropped.insert(key)
            } else if case .policy(let policy) = object.object, policy.namespaces != nil, !platform {
                let at = policy.document.at("spec", "namespaces")?.location ?? object.nameLocation
                refused.append(Diagnostic(.error, at: at,
                    "Policy '\(key.name)' sets spec.namespaces, which only a source marked `platform: true` may do "
                        + "(source '\(source)' is not); it is not applied", kind: key.kind, name: key.name))
                dropped.insert(key)
            } else {
                kept.objects.append(object)
            }
        }
        if !dropped.isEmpty {
            kept.diagnostics.removeAll { d in
                guard let kind = d.kind, let name = d.name, let ns = d.namespace else { return false }
                return dropped.contains(ObjectKey(kind: kind, namespace: ns, name: name))
            }
        }
        return (kept, refused)
    }
}
