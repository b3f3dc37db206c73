extension ManifestValidator {
    /// One namespace checked again after a commit touched some of its objects, object by
    /// object (see ``ManifestValidator/revalidate(_:namespace:facts:touched:deploymentChecks:)``).
    public struct Revalidation: Sendable {
        /// The templates checked again, and what they include (a closed subset of the namespace).
        public var compiled: CompiledNamespace
        /// Every problem the validator finds in the namespace: those of the objects checked
        /// again, and the others' as ``NamespaceFacts`` kept them.
        public var problems: [Diagnostic]
        /// The facts after this commit.
        public var facts: NamespaceFacts
        /// Templates to plan: the stale ones (touched, or including a touched name) and
        /// those the Deployments to plan serve. Names no longer defined are removals.
        public var templates: Set<String>
        /// Deployments to plan: the touched ones and those serving a stale template.
        public var deployments: Set<String>
        /// Files whose compacted templates were made typed (their positions are approximate).
        public var expanded: Set<String>
        /// Files whose compacted templates could not be read back (left out of the set).
        public var unreadable: Set<String>
        /// The problems kept from ``NamespaceFacts`` (their positions are exact already).
        public var kept: [Diagnostic]
    }

    /// Validates `namespace` again for the objects `touched` by a commit (their keys in the
    /// files it changed, before and after) and what depends on them, and keeps the other
    /// objects' problems from `facts`. The result's problems equal what ``validate(_:only:platformPolicies:deploymentChecks:)``
    /// finds in the namespace (a Deployment's problems depend on it and its template's
    /// existence and tests; a template's on what it includes, transitively), for a namespace no Policy governs and with no duplicate
    /// definition (the caller checks both: a Policy reads every object). Nil when `facts`
    /// does not describe every other template of the namespace (validate it whole then).
    ///
    /// Templates the check needs are made typed in `set`.
    public func revalidate(_ set: inout ManifestSet, namespace: String, facts: NamespaceFacts, touched: Set<ObjectKey>,
                           deploymentChecks: (@Sendable (Deployment) -> [Diagnostic])? = nil) -> Revalidation? {
        let touchedTemplates = Set(touched.filter { $0.kind == "PromptTemplate" }.map(\.name))
        let touchedDeployments = Set(touched.filter { $0.kind == "Deployment" }.map(\.name))
        guard !touched.contains(where: { $0.kind != "PromptTemplate" && $0.kind != "Deployment" }) else { return nil }
        let names = set.templateNames(in: namespace)
        for name in names where !touchedTemplates.contains(name) && facts.includes[name] == nil { return nil }
        var (expanded, unreadable) = set.expand(templates: touchedTemplates, in: namespace)
        var touchedTyped: [String: PromptTemplate] = [:]
        for name in touchedTemplates { touchedTyped[name] = set.template(name, in: namespace) }
        let fresh = CompiledNamespace(namespace: namespace, templates: touchedTyped).entries.mapValues(\.includes)
        let stale = facts.stale(touched: touchedTemplates, fresh: fresh)
        var deployments = touchedDeployments
        var served: Set<String> = []
        // Keys first: copying every Deployment of the repository out showed in a profile.
        for key in set.deployments.keys where key.namespace == namespace {
            if let template = set.deployments[key]?.template, stale.contains(template) { deployments.insert(key.name) }
        }
        for name in deployments {
            if let d = set.deployments[ObjectKey(kind: "Deployment", namespace: namespace, name: name)] { served.insert(d.template) }
        }
        let planned = stale.union(served)
        let checked = facts.closure(of: planned, fresh: fresh, present: names.contains)
        let more = set.expand(templates: checked, in: namespace)
        expanded.formUnion(more.expanded)
        unreadable.formUnion(more.unreadable)
        var typed: [String: PromptTemplate] = [:]
        for name in checked { typed[name] = set.template(name, in: namespace) }
        let compiled = CompiledNamespace(namespace: namespace, templates: typed)

        let present = deployments.sorted().compactMap { set.deployments[ObjectKey(kind: "Deployment", namespace: namespace, name: $0)] }
        let found = Self.objectProblems(compiled, deployments: present, deploymentChecks: deploymentChecks)
        // The other objects' problems as they were; those checked again (or gone) are replaced.
        var next = facts
        for name in touchedTemplates.union(checked) { next.includes[name] = compiled.entries[name]?.includes }
        var problems: [Diagnostic] = []
        for (key, list) in facts.problems {
            let again = key.kind == "PromptTemplate" ? touchedTemplates.contains(key.name) || checked.contains(key.name)
                : deployments.contains(key.name)
            if again { next.problems[key] = nil } else { problems += list }
        }
        for problem in found {
            guard let kind = problem.kind, let name = problem.name, problem.namespace == namespace else { return nil }
            next.problems[ObjectKey(kind: kind, namespace: namespace, name: name), default: []].append(problem)
        }
        let kept = problems
        problems += found
        return Revalidation(compiled: compiled, problems: problems, facts: next, templates: planned, deployments: deployments,
                            expanded: expanded, unreadable: unreadable, kept: kept)
    }
}

extension ManifestValidator.Result {
    /// This result with more problems (of namespaces validated object by object), every
    /// problem once and sorted by location, as one validation reports them.
    public func merging(_ more: [[Diagnostic]]) -> ManifestValidator.Result {
        guard more.contains(where: { !$0.isEmpty }) else { return self }
        var out = self
        out.diagnostics = ManifestValidator.unique(diagnostics + more.flatMap { $0 }).sortedByLocation()
        return out
    }
}
