/// What the last validation of one namespace found, object by object: each template's
/// direct includes and each object's problems. With it, a commit that touches a few objects
/// is validated and planned for those objects and what depends on them, not for the whole
/// namespace (see ``ManifestValidator/revalidate(_:namespace:facts:touched:deploymentChecks:)``).
///
/// A template's problems depend on its own content and on what it includes, transitively
/// (names it reads resolve on the included modules' inputs; includes must exist, be text
/// and not cycle). A Deployment's depend on itself and on its template. So an object none
/// of whose inputs was touched has the problems it had.
public struct NamespaceFacts: Sendable {
    /// Each template's direct includes (partials and parents; dynamic ones are not followed).
    public var includes: [String: [String]]
    /// The validator's problems of each object, by kind and name (the loader's come with the
    /// file and are not kept here).
    public var problems: [ObjectKey: [Diagnostic]]

    /// Facts from a validation of the whole namespace: `compiled` its templates, `problems`
    /// every problem the validator found there. Nil when a problem names no object (it
    /// could not be kept with one).
    public init?(compiled: CompiledNamespace, problems: [Diagnostic]) {
        // Copied (``FreshStorage``): the compiled namespace's arrays were made among the
        // validation's temporaries, and a controller keeps these facts until the next pass.
        self.init(namespace: compiled.namespace,
                  includes: compiled.entries.mapValues { FreshStorage.array($0.includes.map(FreshStorage.string)) }, problems: problems)
    }

    /// Facts as the store keeps them after a clean apply of the namespace: `includes` each
    /// template's modules, transitively (more edges than the direct includes, reaching the
    /// same templates, which is all a narrow pass asks of them), `problems` its warnings.
    /// Nil when a problem names no object.
    public init?(namespace: String, includes: [String: [String]], problems: [Diagnostic]) {
        var byObject: [ObjectKey: [Diagnostic]] = [:]
        for problem in problems {
            guard let kind = problem.kind, let name = problem.name, problem.namespace == namespace else { return nil }
            byObject[ObjectKey(kind: kind, namespace: namespace, name: name), default: []].append(problem)
        }
        self.includes = includes
        self.problems = byObject
    }

    /// What a commit touching the templates `touched` (added, changed or removed; `fresh`
    /// gives the direct includes of those present now) makes stale: the templates that are
    /// touched or include a touched name, transitively (a name that was missing and now is
    /// defined counts: its includers had an error for it).
    func stale(touched: Set<String>, fresh: [String: [String]]) -> Set<String> {
        var includedBy: [String: [String]] = [:]
        for (name, list) in includes where fresh[name] == nil && !touched.contains(name) {
            for target in list { includedBy[target, default: []].append(name) }
        }
        for (name, list) in fresh {
            for target in list { includedBy[target, default: []].append(name) }
        }
        var out = touched
        var stack = Array(touched)
        while let next = stack.popLast() {
            for includer in includedBy[next] ?? [] where out.insert(includer).inserted { stack.append(includer) }
        }
        return out
    }

    /// `names` and every template they include, transitively, as far as `present` holds them.
    func closure(of names: Set<String>, fresh: [String: [String]], present: (String) -> Bool) -> Set<String> {
        var out: Set<String> = []
        var stack = Array(names.filter(present))
        while let next = stack.popLast() {
            guard out.insert(next).inserted else { continue }
            for target in fresh[next] ?? includes[next] ?? [] where present(target) && !out.contains(target) { stack.append(target) }
        }
        return out
    }
}
