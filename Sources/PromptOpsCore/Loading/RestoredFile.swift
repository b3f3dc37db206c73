/// An object as the serving store keeps it: enough to stand in for the file it was read from
/// while that file is unchanged (see ``ManifestLoader/restore(path:objects:)``).
public struct ServedManifestObject: Sendable, Equatable {
    /// `PromptTemplate`, `Deployment` or `Policy`.
    public var kind: String
    /// Its namespace.
    public var namespace: String
    /// Its name.
    public var name: String
    /// Canonical JSON of its `spec`, as stored.
    public var specJSON: String
    /// Its labels.
    public var labels: [String: String]

    /// Creates one.
    public init(kind: String, namespace: String, name: String, specJSON: String, labels: [String: String]) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.specJSON = specJSON
        self.labels = labels
    }
}

extension ManifestLoader {
    /// The load of an unchanged file rebuilt from the objects the store serves from it, so a
    /// one-shot `sync` need not read and parse YAML it applied before (a profile of a one-file
    /// commit had parsing the 1,000 unchanged files of its namespace as most of the run).
    ///
    /// Only sound for a file the store applied cleanly at a revision where its content was the
    /// same (no errors, no refused objects): then the served objects are exactly what the file
    /// defines. Every position is the file's start, like a ``CompactTemplate``'s, so whoever
    /// reports a problem there parses the file again for exact positions. Annotations are
    /// not stored and come back empty (nothing checks or serves them).
    /// - Returns: nil when a stored spec cannot be read back (read the file instead).
    public func restore(path: String, objects: [ServedManifestObject]) -> FileLoad? {
        let at = SourceLocation(path: path, line: 1, column: 1)
        var load = FileLoad(path: path, objects: [], diagnostics: [], isUnattributed: false)
        load.objects.reserveCapacity(objects.count)
        for served in objects {
            let meta = ObjectMeta(name: served.name, namespace: served.namespace, labels: served.labels)
            let object: TypedObject
            switch served.kind {
            case "PromptTemplate":
                object = .compactTemplate(CompactTemplate(meta: meta, location: at, specJSON: served.specJSON))
            case "Deployment", "Policy":
                guard let spec = JSONTreeReader.read(served.specJSON, at: at) else { return nil }
                let document = Self.document(kind: served.kind, meta: meta, spec: spec, at: at)
                object = served.kind == "Deployment" ? .deployment(ManifestDecoder.deployment(document)) : .policy(ManifestDecoder.policy(document))
            default:
                return nil
            }
            load.objects.append(LoadedObject(key: ObjectKey(kind: served.kind, namespace: served.namespace, name: served.name),
                                             nameLocation: at, isInvalid: false, object: object))
        }
        return load
    }

    /// A manifest document with every node at `at`.
    private static func document(kind: String, meta: ObjectMeta, spec: LocatedValue, at: SourceLocation) -> LocatedValue {
        func member(_ key: String, _ value: LocatedValue) -> LocatedValue.Member {
            LocatedValue.Member(key: key, keyLocation: at, value: value)
        }
        func string(_ text: String) -> LocatedValue { LocatedValue(.string(text), at: at) }
        let labels = meta.labels.keys.sorted().map { member($0, string(meta.labels[$0]!)) }
        var metadata = [member("name", string(meta.name)), member("namespace", string(meta.namespace))]
        if !labels.isEmpty { metadata.append(member("labels", LocatedValue(.object(labels), at: at))) }
        return LocatedValue(.object([
            member("apiVersion", string(APISchemas.apiVersion)),
            member("kind", string(kind)),
            member("metadata", LocatedValue(.object(metadata), at: at)),
            member("spec", spec),
        ]), at: at)
    }
}
