extension CompiledNamespace {
    /// Rebuilds a compiled template from a stored version's self-contained effective content
    /// (`{"modules":{name: spec},"spec":{...}}`), so a served version renders without git.
    /// Returns nil when the content cannot be read back (it was written by ``DesiredState``).
    public init?(effectiveJSON: String, namespace: String, template name: String) {
        // Written by DesiredState as canonical JSON: the fast reader; anything else through YAML.
        let documents: [LocatedValue]
        if let value = JSONTreeReader.read(effectiveJSON, at: SourceLocation(path: "<store>", line: 1, column: 1)) {
            documents = [value]
        } else {
            let (read, problems) = YAMLDocumentReader().read(Array(effectiveJSON.utf8), path: "<store>")
            guard problems.isEmpty else { return nil }
            documents = read
        }
        guard documents.count == 1, let spec = documents[0]["spec"] else { return nil }
        func template(_ name: String, _ spec: LocatedValue) -> PromptTemplate {
            let at = spec.location
            let document = LocatedValue(.object([
                .init(key: "metadata", keyLocation: at, value: LocatedValue(.object([
                    .init(key: "name", keyLocation: at, value: LocatedValue(.string(name), at: at)),
                    .init(key: "namespace", keyLocation: at, value: LocatedValue(.string(namespace), at: at)),
                ]), at: at)),
                .init(key: "spec", keyLocation: at, value: spec),
            ]), at: at)
            return ManifestDecoder.template(document)
        }
        var templates: [String: PromptTemplate] = [name: template(name, spec)]
        for member in documents[0]["modules"]?.members ?? [] {
            templates[member.key] = template(member.key, member.value)
        }
        self.init(namespace: namespace, templates: templates)
        guard diagnostics.isEmpty else { return nil }
        contracts[name] = effectiveContract(of: name)
    }

    /// What rendering `name` reads of this namespace, and nothing else: the entry of `name`
    /// alone, its template trimmed (``PromptTemplate/trimmedForRendering()``), the library its
    /// partials and parents resolve in, and its effective contract: what the server's cache
    /// of compiled versions keeps of each.
    public func trimmedForRendering(_ name: String) -> CompiledNamespace {
        var trimmed = self
        let contract = effectiveContract(of: name)
        // Compiled templates keep only what renders (no analysis, no source text); a text
        // template registered in the library is one template with its entry's, trimmed once.
        var library = self.library
        for (module, template) in self.library.templates { library.register(template.trimmedForRendering(), named: module) }
        trimmed.library = library
        trimmed.entries = entries[name].map { entry in
            var entry = entry
            entry.template = entry.template.trimmedForRendering()
            if case .text = entry.template.body, let registered = library[name] {
                entry.compiled = [registered]
            } else {
                entry.compiled = entry.compiled.map { $0?.trimmedForRendering() }
            }
            return [name: entry]
        } ?? [:]
        // Setting entries clears the contracts; the one of `name` came from the inputs dropped.
        trimmed.contracts = [name: contract]
        return trimmed
    }
}
