/// Loads manifest files into typed objects with strict decoding: every document is checked
/// against ``APISchemas`` and every problem is collected, not only the first.
public struct ManifestLoader: Sendable {
    /// The limits applied to each file.
    public var limits: ManifestLimits

    /// Creates a loader.
    public init(limits: ManifestLimits = .standard) {
        self.limits = limits
    }

    /// Loads the files (no validation beyond the schema; see ``ManifestValidator``).
    public func load(_ files: [ManifestFile]) -> ManifestSet {
        var set = ManifestSet()
        let reader = YAMLDocumentReader(limits: limits)
        let checker = SchemaChecker(definitions: APISchemas.definitions)
        var firstSeen: [ObjectKey: SourceLocation] = [:]
        for file in files {
            let (documents, problems) = reader.read(file.bytes, path: file.path)
            if !problems.isEmpty {
                set.diagnostics += problems
                set.unattributedFiles.insert(file.path)
            }
            for document in documents {
                load(document, checker: checker, into: &set, firstSeen: &firstSeen)
            }
        }
        return set
    }

    private func load(_ document: LocatedValue, checker: SchemaChecker, into set: inout ManifestSet,
                      firstSeen: inout [ObjectKey: SourceLocation]) {
        if document.isNull { return }  // an empty document (`---` at the end of a file)
        guard document.members != nil else {
            set.diagnostics.append(Diagnostic(.error, at: document.location,
                "a manifest must be a mapping with apiVersion, kind, metadata and spec"))
            set.unattributedFiles.insert(document.location.path)
            return
        }
        let namespace = document.at("metadata", "namespace")?.string ?? "default"
        let name = document.at("metadata", "name")?.string
        guard let kindNode = document["kind"], let kind = kindNode.string, APISchemas.kinds.contains(kind) else {
            let at = document["kind"]?.location ?? document.location
            let got = document["kind"]?.string.map { "'\($0)'" } ?? "nothing"
            set.diagnostics.append(Diagnostic(.error, at: at,
                "kind: expected one of \(APISchemas.kinds.joined(separator: ", ")), got \(got)",
                name: name, namespace: namespace))
            return
        }
        let problems = checker.check(document, against: .object(APISchemas.document(kind: kind)), fieldPath: "")
            .map { $0.concerning(kind: kind, name: name, namespace: namespace) }
        set.diagnostics += problems
        // An object without a name cannot be tracked; everything else is decoded even with
        // errors (a bad name included) so later checks still report all of its problems.
        guard let name else { return }
        let key = ObjectKey(kind: kind, namespace: namespace, name: name)
        if let previous = firstSeen[key] {
            set.diagnostics.append(Diagnostic(.error, at: document.at("metadata", "name")?.location ?? document.location,
                "\(kind) \(namespace)/\(name) is defined twice: first at \(previous), again here",
                kind: kind, name: name, namespace: namespace))
            return
        }
        firstSeen[key] = document.at("metadata", "name")?.location ?? document.location
        if !problems.isEmpty { set.invalidObjects.insert(key) }
        switch kind {
        case "PromptTemplate": set.templates[key] = ManifestDecoder.template(document)
        case "Deployment": set.deployments[key] = ManifestDecoder.deployment(document)
        default: set.policies[key] = ManifestDecoder.policy(document)
        }
    }
}
