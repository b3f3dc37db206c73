import Foundation

/// Loads manifest files into typed objects with strict decoding: every document is checked
/// against ``APISchemas`` and every problem is collected, not only the first.
///
/// Loading is two steps so a long-running controller can cache the first per file
/// (by blob id) and re-read only what changed: ``loadFile(_:)`` parses and checks one file,
/// ``assemble(_:)`` joins files into a ``ManifestSet`` and finds objects defined twice.
public struct ManifestLoader: Sendable {
    /// The limits applied to each file.
    public var limits: ManifestLimits

    /// Creates a loader.
    public init(limits: ManifestLimits = .standard) {
        self.limits = limits
    }

    /// A decoded object of one of the three kinds (boxed: a cached file holds one reference
    /// per object, whatever the size of the kind).
    public indirect enum TypedObject: Sendable {
        case template(PromptTemplate)
        /// A template kept compacted by a long-running controller (``CompactTemplate``).
        case compactTemplate(CompactTemplate)
        case deployment(Deployment)
        case policy(Policy)
    }

    /// One object read from a file, schema-checked and decoded once (so a controller that
    /// caches files by blob id never decodes an unchanged file again).
    public struct LoadedObject: Sendable {
        /// Its identity.
        public var key: ObjectKey
        /// Where `metadata.name` is written (the document's start when absent).
        public var nameLocation: SourceLocation
        /// Whether it failed the schema.
        public var isInvalid: Bool
        /// The typed object.
        public var object: TypedObject
    }

    /// What one file holds.
    public struct FileLoad: Sendable {
        /// The file path.
        public var path: String
        /// Its objects, in document order.
        public var objects: [LoadedObject]
        /// Its problems.
        public var diagnostics: [Diagnostic]
        /// Whether some problem could not be tied to an object (a syntax error).
        public var isUnattributed: Bool
        /// Why the file was not read (its only diagnostic says so); nil when it was.
        public var unread: ManifestFile.Unread? = nil

        /// Namespaces the file's objects belong to, and those its problems name (a document
        /// with no name defines no object, but its error blocks its namespace).
        public var namespaces: Set<String> { Set(objects.map(\.key.namespace)).union(diagnostics.compactMap(\.namespace)) }

        /// The file with its templates compacted (see ``CompactTemplate``); the set holding
        /// the same templates is compacted with ``ManifestSet/compact(namespaces:keepTyped:)``.
        /// Equal label maps share storage with those already in `maps`.
        public func compacted(sharing maps: inout SharedMaps) -> FileLoad {
            var copy = self
            for i in copy.objects.indices {
                if case .template(let t) = copy.objects[i].object {
                    copy.objects[i].object = .compactTemplate(CompactTemplate(t, sharing: &maps, path: path))
                }
            }
            return copy
        }

        /// The file as a controller keeps it between passes: its Deployments, objects and
        /// path copied into storage of their own (see ``FreshStorage``), so that nothing kept
        /// shares storage with the pass that read it. Templates are left as they are
        /// (``compacted(sharing:)`` copies what it keeps of them); so are policies and
        /// problems, a handful per repository.
        public func keptCopy(sharing maps: inout SharedMaps) -> FileLoad {
            var copy = self
            copy.path = FreshStorage.string(path)
            var objects = self.objects
            for i in objects.indices {
                if objects[i].nameLocation.path == path { objects[i].nameLocation.path = copy.path }
                if case .deployment(let d) = objects[i].object { objects[i].object = .deployment(d.keptCopy(sharing: &maps, path: copy.path)) }
            }
            copy.objects = FreshStorage.array(objects)
            return copy
        }

        /// Whether some template of the file is typed.
        public var holdsTypedTemplates: Bool {
            objects.contains { if case .template = $0.object { return true }; return false }
        }
    }

    /// Loads the files (no validation beyond the schema; see ``ManifestValidator``).
    public func load(_ files: [ManifestFile]) -> ManifestSet {
        assemble(loadFiles(files))
    }

    /// Parses and schema-checks many files on every core; the result is in the order given.
    /// (Each file is independent, so this is the same as `files.map(loadFile)`, only faster.)
    public func loadFiles(_ files: [ManifestFile]) -> [FileLoad] {
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, files.count / 32)
        guard workers > 1 else { return files.map(loadFile) }
        let loads = [FileLoad?](unsafeUninitializedCapacity: files.count) { buffer, count in
            buffer.initialize(repeating: nil)
            nonisolated(unsafe) let slots = buffer
            // Strided, so large and small files spread evenly; each slot is written by one worker.
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var i = worker
                while i < files.count {
                    slots[i] = loadFile(files[i])
                    i += workers
                }
            }
            count = files.count
        }
        return loads.map { $0! }
    }

    /// Parses and schema-checks one file.
    public func loadFile(_ file: ManifestFile) -> FileLoad {
        if let unread = file.unread { return unreadLoad(path: file.path, unread) }
        let (documents, problems) = YAMLDocumentReader(limits: limits).read(file.bytes, path: file.path)
        var load = FileLoad(path: file.path, objects: [], diagnostics: problems, isUnattributed: !problems.isEmpty)
        let checker = SchemaChecker(definitions: APISchemas.definitions)
        for document in documents {
            loadDocument(document, checker: checker, into: &load)
        }
        return load
    }

    /// The load of a path that was not read: a warning for a link or a submodule (skipped,
    /// nothing blocks), an error for a file over the limit (like a file that does not parse,
    /// it blocks the namespaces it fed, so its objects are never taken for deleted).
    func unreadLoad(path: String, _ unread: ManifestFile.Unread) -> FileLoad {
        let at = SourceLocation(path: path, line: 1, column: 1)
        let diagnostic: Diagnostic
        switch unread {
        case .symlink:
            diagnostic = Diagnostic(.warning, at: at, "symlink ignored: \(path) (links are never followed; commit the file itself)")
        case .submodule:
            diagnostic = Diagnostic(.warning, at: at, "submodule ignored: \(path) (manifests inside a submodule are not read)")
        case .tooLarge(let bytes):
            diagnostic = Diagnostic(.error, at: at, "file is \(bytes) bytes; the limit is \(limits.maxFileBytes)")
        }
        return FileLoad(path: path, objects: [], diagnostics: [diagnostic], isUnattributed: diagnostic.severity == .error, unread: unread)
    }

    /// Joins loaded files into a set; an object defined twice is an error naming both places.
    public func assemble(_ loads: [FileLoad]) -> ManifestSet {
        var set = ManifestSet()
        set.templates.reserveCapacity(loads.count)
        var firstSeen: [ObjectKey: SourceLocation] = [:]
        for load in loads {
            set.diagnostics += load.diagnostics
            if load.isUnattributed { set.unattributedFiles.insert(load.path) }
            for object in load.objects {
                let key = object.key
                let at = object.nameLocation
                if let previous = firstSeen[key] {
                    set.hasDuplicates = true
                    set.diagnostics.append(Diagnostic(.error, at: at,
                        "\(key.kind) \(key.namespace)/\(key.name) is defined twice: first at \(previous), again here",
                        kind: key.kind, name: key.name, namespace: key.namespace))
                    continue
                }
                firstSeen[key] = at
                if object.isInvalid { set.invalidObjects.insert(key) }
                switch object.object {
                case .template(let t): set.templates[key] = t
                case .compactTemplate(let c): _ = set.insertCompact(c)
                case .deployment(let d): set.deployments[key] = d
                case .policy(let p): set.policies[key] = p
                }
            }
        }
        return set
    }

    private func loadDocument(_ document: LocatedValue, checker: SchemaChecker, into load: inout FileLoad) {
        if document.isNull { return }  // an empty document (`---` at the end of a file)
        guard document.members != nil else {
            load.diagnostics.append(Diagnostic(.error, at: document.location,
                "a manifest must be a mapping with apiVersion, kind, metadata and spec"))
            load.isUnattributed = true
            return
        }
        let namespace = document.at("metadata", "namespace")?.string ?? "default"
        let name = document.at("metadata", "name")?.string
        guard let kindNode = document["kind"], let kind = kindNode.string, APISchemas.kinds.contains(kind) else {
            let at = document["kind"]?.location ?? document.location
            let got = document["kind"]?.string.map { "'\($0)'" } ?? "nothing"
            load.diagnostics.append(Diagnostic(.error, at: at,
                "kind: expected one of \(APISchemas.kinds.joined(separator: ", ")), got \(got)",
                name: name, namespace: namespace))
            return
        }
        let problems = checker.check(document, against: .object(APISchemas.document(kind: kind)), fieldPath: "")
            .map { $0.concerning(kind: kind, name: name, namespace: namespace) }
        load.diagnostics += problems
        // An object without a name cannot be tracked; everything else is decoded even with
        // errors (a bad name included) so later checks still report all of its problems.
        guard let name else { return }
        let object: TypedObject
        switch kind {
        case "PromptTemplate": object = .template(ManifestDecoder.template(document))
        case "Deployment": object = .deployment(ManifestDecoder.deployment(document))
        default: object = .policy(ManifestDecoder.policy(document))
        }
        load.objects.append(LoadedObject(key: ObjectKey(kind: kind, namespace: namespace, name: name),
                                         nameLocation: document.at("metadata", "name")?.location ?? document.location,
                                         isInvalid: !problems.isEmpty, object: object))
    }
}
