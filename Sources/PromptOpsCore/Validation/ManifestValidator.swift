/// Checks a loaded ``ManifestSet`` beyond the schema: templates compile, includes exist and
/// do not cycle, every name a template reads is a declared input, tests satisfy the
/// contract, Deployments reference templates, and policies hold.
public struct ManifestValidator: Sendable {
    /// Creates a validator.
    public init() {}

    /// The result of validating: the compiled namespaces (reused by render and plan) and
    /// every diagnostic, the loader's included.
    public struct Result: Sendable {
        /// Compiled templates per namespace.
        public var namespaces: [String: CompiledNamespace]
        /// Loader and validator problems, sorted by location.
        public var diagnostics: [Diagnostic]

        /// True when any diagnostic is an error.
        public var hasErrors: Bool { diagnostics.hasErrors }

        /// Namespaces with at least one error.
        public var failedNamespaces: Set<String> {
            Set(diagnostics.filter { $0.severity == .error }.compactMap(\.namespace))
        }
    }

    /// Validates everything in `set`, or only the namespaces in `only` (the loader's
    /// diagnostics are always included).
    ///
    /// A namespace is governed by its own Policies, by the set's platform Policies
    /// (`spec.namespaces`) that match it, and by `platformPolicies` from other sources. Each
    /// Policy is evaluated on its own, so a tenant's Policy can add rules (or the same rule
    /// as Warn) but never lift a platform `Deny`: that one still reports its error.
    public func validate(_ set: ManifestSet, only: Set<String>? = nil, platformPolicies: [Policy] = []) -> Result {
        var diagnostics = set.diagnostics
        var compiledNamespaces: [String: CompiledNamespace] = [:]
        let platform = (set.policies.values.filter { $0.namespaces != nil } + platformPolicies)
            .sorted { ($0.meta.namespace, $0.meta.name) < ($1.meta.namespace, $1.meta.name) }
        for namespace in set.namespaces(among: only) {
            let compiled = CompiledNamespace(namespace: namespace, templates: set.templates(in: namespace))
            diagnostics += compiled.diagnostics
            var templateChecks = TemplateChecks(compiled: compiled)
            for name in compiled.entries.keys.sorted() {
                templateChecks.check(name)
            }
            diagnostics += templateChecks.diagnostics
            let deployments = set.deploymentKeys(in: namespace).map { set.deployments[$0]! }
            for deployment in deployments {
                diagnostics += DeploymentChecks.check(deployment, templates: compiled.entries)
            }
            let own = set.policies.values.filter { $0.meta.namespace == namespace }.sorted { $0.meta.name < $1.meta.name }
            for policy in own {
                diagnostics += PolicyEvaluator.checkDefinition(policy)
            }
            let governing = own.filter { $0.namespaces == nil } + platform.filter { $0.governs(namespace) }
            let templates = governing.isEmpty ? [] : compiled.entries.values.map(\.template)
            for policy in governing {
                diagnostics += PolicyEvaluator(policy: policy).evaluate(templates: templates, deployments: deployments)
            }
            compiledNamespaces[namespace] = compiled
        }
        return Result(namespaces: compiledNamespaces, diagnostics: Self.unique(diagnostics).sortedByLocation())
    }

    /// Drops exact repeats (the same problem reached two ways).
    static func unique(_ list: [Diagnostic]) -> [Diagnostic] {
        var seen: Set<Diagnostic> = []
        return list.filter { seen.insert($0).inserted }
    }
}
