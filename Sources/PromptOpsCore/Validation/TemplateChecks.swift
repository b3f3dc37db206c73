/// The checks on the templates of one namespace: includes, cycles, names read, inputs, tests.
struct TemplateChecks {
    let compiled: CompiledNamespace
    var diagnostics: [Diagnostic] = []

    init(compiled: CompiledNamespace) {
        self.compiled = compiled
    }

    private mutating func error(_ at: SourceLocation, _ name: String, _ message: String) {
        diagnostics.append(Diagnostic(.error, at: at, message, kind: "PromptTemplate", name: name, namespace: compiled.namespace))
    }

    mutating func check(_ name: String) {
        guard let entry = compiled.entries[name] else { return }
        let template = entry.template
        checkInputs(template)
        var cyclic = false
        for ((label, source), parsed) in zip(template.body.sources, entry.compiled) {
            guard let parsed else { continue }
            let analysis = parsed.analysis
            for ref in analysis.partials + analysis.parents where !ref.isDynamic {
                let at = source.fileLocation(line: ref.line, column: ref.column)
                guard let target = compiled.entries[ref.name] else {
                    error(at, name, "\(label): includes '\(ref.name)', but there is no PromptTemplate '\(ref.name)' in namespace '\(compiled.namespace)'")
                    continue
                }
                if case .messages = target.template.body {
                    error(at, name, "\(label): includes '\(ref.name)', which is a chat template; only text templates (spec.text) can be used as partials or parents")
                }
                if let chain = cycle(from: ref.name, to: name) {
                    cyclic = true
                    error(at, name, "\(label): include cycle: \(([name] + chain).joined(separator: " → "))")
                }
            }
            if !cyclic { checkNames(analysis.variables, label: label, source: source, template: name) }
        }
        if !cyclic { checkTests(template) }
    }

    /// The include chain from `start` back to `target`, if one exists.
    func cycle(from start: String, to target: String) -> [String]? {
        var visited: Set<String> = []
        func walk(_ node: String, _ path: [String]) -> [String]? {
            if node == target { return path + [node] }
            guard visited.insert(node).inserted else { return nil }
            for next in compiled.entries[node]?.includes ?? [] {
                if let found = walk(next, path + [node]) { return found }
            }
            return nil
        }
        return walk(start, [])
    }

    /// Every name read must resolve: on a section's item when the section's schema declares
    /// it, otherwise on a declared input of the effective contract.
    mutating func checkNames(_ refs: [MustacheNameReference], label: String, source: TemplateSource, template: String) {
        let contract = compiled.effectiveContract(of: template)
        for ref in refs {
            guard let first = ref.path.first, first != "." else { continue }
            if let problem = NameResolution(contract: contract).problem(for: ref) {
                error(source.fileLocation(line: ref.line, column: ref.column), template, "\(label): \(problem)")
            }
        }
    }

    mutating func checkInputs(_ template: PromptTemplate) {
        for name in template.inputs.keys.sorted() {
            checkInput(template.inputs[name]!, path: name, template: template.meta.name)
        }
    }

    mutating func checkInput(_ spec: InputSpec, path: String, template: String) {
        let at = spec.location ?? SourceLocation(path: "", line: 1, column: 1)
        if spec.items != nil && spec.type != .array { error(at, template, "input '\(path)': 'items' applies to type array only") }
        if !spec.properties.isEmpty && spec.type != .object { error(at, template, "input '\(path)': 'properties' applies to type object only") }
        if (spec.minLength != nil || spec.maxLength != nil) && spec.type != .string {
            error(at, template, "input '\(path)': minLength/maxLength apply to type string only")
        }
        if (spec.minimum != nil || spec.maximum != nil) && spec.type != .number && spec.type != .integer {
            error(at, template, "input '\(path)': minimum/maximum apply to number and integer only")
        }
        if let value = spec.defaultValue {
            var violations: [ContractViolation] = []
            InputContract.check(value, against: spec, path: path, into: &violations)
            for v in violations { error(at, template, "input '\(path)': default: \(v.input == path ? "" : "'\(v.input)' ")\(v.message)") }
        }
        for value in spec.allowedValues ?? [] {
            var bare = spec
            bare.allowedValues = nil
            var violations: [ContractViolation] = []
            InputContract.check(value, against: bare, path: path, into: &violations)
            for v in violations { error(at, template, "input '\(path)': enum value: \(v.message)") }
        }
        if let items = spec.items { checkInput(items, path: "\(path)[]", template: template) }
        for key in spec.properties.keys.sorted() { checkInput(spec.properties[key]!, path: "\(path).\(key)", template: template) }
    }

    mutating func checkTests(_ template: PromptTemplate) {
        let contract = compiled.effectiveContract(of: template.meta.name)
        var names: Set<String> = []
        for (i, test) in template.tests.enumerated() {
            let label = "tests[\(i)] (\(test.name))"
            if !names.insert(test.name).inserted {
                error(test.varsLocation, template.meta.name, "\(label): test name '\(test.name)' is used twice")
            }
            if case .failure(let failure) = contract.resolve(test.vars) {
                for v in failure.violations { error(test.varsLocation, template.meta.name, "\(label): vars: \(v)") }
            }
            for assertion in test.assertions {
                if let problem = AssertionRules.problem(assertion) {
                    error(assertion.location, template.meta.name, "\(label): assert '\(assertion.type)': \(problem)")
                }
            }
        }
    }
}

/// What an assertion's `value` must be, by type.
enum AssertionRules {
    static func problem(_ a: PromptTemplate.Assertion) -> String? {
        switch a.type {
        case "equals", "contains", "icontains", "not-contains", "starts-with":
            guard case .string = a.value else { return "needs a string value" }
        case "regex":
            guard case .string(let pattern) = a.value else { return "needs a string value (the pattern)" }
            if let reason = StringFormat.regexProblem(pattern) { return "value is not a pattern PromptOps can run: \(reason)" }
        case "max-length", "min-length", "max-tokens", "latency-ms":
            guard case .int(let n) = a.value, n >= 0 else { return "needs a non-negative integer value" }
        case "is-json":
            if let v = a.value, v != .null { return "takes no value" }
        default:
            return "unknown assertion type"
        }
        return nil
    }
}
