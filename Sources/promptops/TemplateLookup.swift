import PromptOpsCore

/// Loads the manifests under a path and finds one template, refusing it when it (or a
/// module it includes) has errors. Shared by `render` and `eval`.
enum TemplateLookup {
    /// The compiled namespace holding `template`.
    static func compiled(path: String, namespace: String, template: String) throws -> CompiledNamespace {
        let files: [ManifestFile]
        do {
            files = try ManifestFileCollector.collect([path])
        } catch {
            throw CommandExit.environment("error: \(error)")
        }
        let result = ManifestValidator().validate(ManifestLoader().load(files))
        guard let compiled = result.namespaces[namespace], compiled.entries[template] != nil else {
            throw CommandExit.invalid("error: no PromptTemplate '\(template)' in namespace '\(namespace)' under \(path)")
        }
        let involved = Set(compiled.transitiveIncludes(of: template) + [template])
        let errors = result.diagnostics.filter {
            $0.severity == .error && $0.namespace == namespace && $0.kind == "PromptTemplate" && involved.contains($0.name ?? "")
        }
        if !errors.isEmpty { throw CommandExit.invalid(errors.map(\.description).joined(separator: "\n")) }
        return compiled
    }
}
