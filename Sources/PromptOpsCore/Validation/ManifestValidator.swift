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
        /// The validator's own problems (not the loader's) per namespace validated, as
        /// ``NamespaceFacts`` keeps them.
        public var problems: [String: [Diagnostic]] = [:]

        /// Creates a result.
        public init(namespaces: [String: CompiledNamespace], diagnostics: [Diagnostic], problems: [String: [Diagnostic]] = [:]) {
            self.namespaces = namespaces
            self.diagnostics = diagnostics
            self.problems = problems
        }

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
    ///
    /// `deploymentChecks` adds checks of each Deployment (the controller's: secrets and
    /// egress its config grants).
    public func validate(_ set: ManifestSet, only: Set<String>? = nil, platformPolicies: [Policy] = [],
                         deploymentChecks: (@Sendable (Deployment) -> [Diagnostic])? = nil) -> Result {
        var diagnostics = set.diagnostics
        var compiledNamespaces: [String: CompiledNamespace] = [:]
        var problems: [String: [Diagnostic]] = [:]
        let platform = (set.policies.values.filter { $0.namespaces != nil } + platformPolicies)
            .sorted { ($0.meta.namespace, $0.meta.name) < ($1.meta.namespace, $1.meta.name) }
        for namespace in set.namespaces(among: only) {
            let compiled = CompiledNamespace(namespace: namespace, templates: set.templates(in: namespace))
            let deployments = set.deploymentKeys(in: namespace).map { set.deployments[$0]! }
            var found = Self.objectProblems(compiled, deployments: deployments, deploymentChecks: deploymentChecks)
            let own = set.policies.values.filter { $0.meta.namespace == namespace }.sorted { $0.meta.name < $1.meta.name }
            for policy in own {
                found += PolicyEvaluator.checkDefinition(policy)
            }
            let governing = own.filter { $0.namespaces == nil } + platform.filter { $0.governs(namespace) }
            let templates = governing.isEmpty ? [] : compiled.entries.values.map(\.template)
            for policy in governing {
                found += PolicyEvaluator(policy: policy).evaluate(templates: templates, deployments: deployments)
            }
            compiledNamespaces[namespace] = compiled
            problems[namespace] = found
        }
        for list in problems.values { diagnostics += list }
        return Result(namespaces: compiledNamespaces, diagnostics: Self.unique(diagnostics).sortedByLocation(), problems: problems)
    }

    /// The problems of each template of `compiled` (syntax, includes, names read, inputs,
    /// tests) and of each of `deployments`: the checks made object by object, by a whole
    /// validation and by ``revalidate(_:namespace:facts:touched:deploymentChecks:)`` alike.
    static func objectProblems(_ compiled: CompiledNamespace, deployments: [Deployment],
                               deploymentChecks: (@Sendable (Deployment) -> [Diagnostic])?) -> [Diagnostic] {
        var found = compiled.diagnostics
        var templateChecks = TemplateChecks(compiled: compiled)
        for name in compiled.entries.keys.sorted() { templateChecks.check(name) }
        found += templateChecks.diagnostics
        for deployment in deployments {
            found += DeploymentChecks.check(deployment, templates: compiled.entries)
            if let deploymentChecks { found += deploymentChecks(deployment) }
        }
        return found
    }

    /// Drops exact repeats (the same problem reached two ways).
    static func unique(_ list: [Diagnostic]) -> [Diagnostic] {
        var seen: Set<Diagnostic> = []
        return list.filter { seen.insert($0).inserted }
    }
}
