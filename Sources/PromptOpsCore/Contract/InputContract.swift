/// The typed contract of a template: checks given values, applies defaults, and refuses
/// missing, mistyped, out-of-enum and undeclared inputs, naming the input each time.
public struct InputContract: Sendable, Equatable {
    /// Declared inputs by name.
    public var inputs: [String: InputSpec] {
        didSet { ordered = Self.order(inputs) }
    }
    /// The inputs sorted by name, once (violations are reported in name order).
    private var ordered: [Declared]

    private struct Declared: Sendable {
        var name: String
        var spec: InputSpec
    }

    /// Creates a contract.
    public init(inputs: [String: InputSpec]) {
        self.inputs = inputs
        ordered = Self.order(inputs)
    }

    private static func order(_ inputs: [String: InputSpec]) -> [Declared] {
        inputs.keys.sorted().map { Declared(name: $0, spec: inputs[$0]!) }
    }

    public static func == (a: InputContract, b: InputContract) -> Bool {
        a.inputs == b.inputs
    }

    /// The render context: the given values plus defaults, or every violation.
    public func resolve(_ values: [String: TemplateValue]) -> Result<TemplateValue, ContractError> {
        resolve(MustacheObject(values))
    }

    /// The render context: the given values plus defaults, or every violation.
    public func resolve(_ values: MustacheObject) -> Result<TemplateValue, ContractError> {
        var violations: [ContractViolation] = []
        // The context is the given values themselves unless a default fills a gap or a null
        // is dropped (the common request gives every input: no object is built).
        var context: MustacheObject? = nil
        // Given values of declared inputs: fewer than all given means some are undeclared
        // (counted here rather than looking each given name up again).
        var declaredGiven = 0
        // Read in place: iterating `ordered` copied each name and spec (a retain per field).
        ordered.withUnsafeBufferPointer { ordered in
            // Name and spec are read in place, not bound to locals: a copy of either is a
            // retain of an object every serving thread reads (see InputSpec.admits).
            for position in ordered.indices {
                let given = values[ordered[position].name]
                if given != nil { declaredGiven += 1 }
                if let value = given, value != .null {
                    if !ordered[position].spec.admits(value) {
                        Self.collectViolations(value, against: ordered[position].spec, path: ordered[position].name, into: &violations)
                    }
                    if context != nil { context![ordered[position].name] = value }
                } else if let fallback = ordered[position].spec.defaultValue {
                    if context == nil { context = Self.declaredValues(values, upTo: ordered[position].name, of: ordered) }
                    context![ordered[position].name] = fallback
                } else {
                    if given != nil, context == nil { context = Self.declaredValues(values, upTo: ordered[position].name, of: ordered) }
                    if ordered[position].spec.required {
                        violations.append(ContractViolation(input: ordered[position].name,
                                                            message: "is required but has no value (expected \(Self.noun(ordered[position].spec.type)))"))
                    }
                }
            }
        }
        // Undeclared names first, sorted; sorted only when there is something to report.
        if declaredGiven < values.count {
            let declared = ordered.map(\.name).joined(separator: ", ")
            let undeclared = values.keys.sorted().filter { inputs[$0] == nil }.map {
                ContractViolation(input: $0, message: "is not a declared input of this template (declared: \(declared.isEmpty ? "none" : declared))")
            }
            violations.insert(contentsOf: undeclared, at: 0)
        }
        if !violations.isEmpty { return .failure(ContractError(violations: violations)) }
        return .success(.object(context ?? values))
    }

    /// ``resolve(_:)`` for the values of object `node` of `tape`, read where they lie: true
    /// when they keep the contract, with the defaults of inputs not given (or given as null)
    /// added to the object; false when they break it (``resolve(_:)`` of the same values
    /// then says how). Renders the same context: a given null is left in place unless a
    /// default replaces it, and a null renders as an absent name does.
    public func resolve(tape: inout JSONTape, object node: Int) -> Bool {
        var defaults: [(name: String, value: TemplateValue)] = []
        var nulls: [Int] = []
        let admitted = tape.withView { view in
            guard view.kind(node) == .object else { return false }
            var declaredGiven = 0
            let kept = ordered.withUnsafeBufferPointer { ordered in
                for position in ordered.indices {
                    let given = view.member(node, ordered[position].name)
                    if given != nil { declaredGiven += 1 }
                    if let value = given, view.kind(value) != .null {
                        if !ordered[position].spec.admits(view, value) { return false }
                    } else if let fallback = ordered[position].spec.defaultValue {
                        defaults.append((name: ordered[position].name, value: fallback))
                    } else if ordered[position].spec.required {
                        return false
                    }
                }
                return true
            }
            guard kept, declaredGiven == view.count(node) else { return false }
            if !defaults.isEmpty {
                nulls = (0..<view.count(node)).filter { view.kind(view.memberValue(node, at: $0)) == .null }
            }
            return true
        }
        guard admitted else { return false }
        if !defaults.isEmpty { tape.setMembers(of: node, adding: defaults) { nulls.contains($0) } }
        return true
    }

    /// The given non-null values of the inputs ordered before `name` (a context being built
    /// once the given values can no longer serve as it).
    private static func declaredValues(_ values: MustacheObject, upTo name: String, of ordered: UnsafeBufferPointer<Declared>) -> MustacheObject {
        var context = MustacheObject()
        for input in ordered {
            if input.name == name { break }
            if let value = values[input.name], value != .null { context[input.name] = value }
        }
        return context
    }

    /// "a string", "an integer", ...
    static func noun(_ type: InputSpec.ValueType) -> String {
        switch type {
        case .string: return "a string"
        case .number: return "a number"
        case .integer: return "an integer"
        case .boolean: return "a boolean"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    static func describe(_ value: TemplateValue) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// Checks one value, recursing into items and properties.
    static func check(_ value: TemplateValue, against spec: InputSpec, path: String, into violations: inout [ContractViolation]) {
        // A value that conforms (nearly every request) costs no path strings and no sorting.
        if conforms(value, to: spec) { return }
        collectViolations(value, against: spec, path: path, into: &violations)
    }

    /// The full check behind ``check(_:against:path:into:)``: every violation, with its path.
    static func collectViolations(_ value: TemplateValue, against spec: InputSpec, path: String, into violations: inout [ContractViolation]) {
        guard typeMatches(value, spec.type) else {
            violations.append(ContractViolation(input: path, message: "expected \(noun(spec.type)), got \(describe(value))"))
            return
        }
        if let allowed = spec.allowedValues, !allowed.contains(where: { equal($0, value) }) {
            let list = allowed.map(display).joined(separator: ", ")
            violations.append(ContractViolation(input: path, message: "value \(display(value)) is not one of the allowed values: \(list)"))
        }
        switch value {
        case .string(let s):
            if let max = spec.maxLength, s.count > max {
                violations.append(ContractViolation(input: path, message: "is \(s.count) characters long; at most \(max) allowed"))
            }
            if let min = spec.minLength, s.count < min {
                violations.append(ContractViolation(input: path, message: "is \(s.count) characters long; at least \(min) required"))
            }
        case .int, .double:
            let d = number(value)
            if let min = spec.minimum, d < min { violations.append(ContractViolation(input: path, message: "\(display(value)) is below the minimum \(min)")) }
            if let max = spec.maximum, d > max { violations.append(ContractViolation(input: path, message: "\(display(value)) is above the maximum \(max)")) }
        case .array(let items):
            if let itemSpec = spec.items {
                for (i, item) in items.enumerated() { collectViolations(item, against: itemSpec, path: "\(path)[\(i)]", into: &violations) }
            }
        case .object(let fields):
            for name in spec.properties.keys.sorted() {
                let fieldSpec = spec.properties[name]!
                if let v = fields[name], v != .null {
                    collectViolations(v, against: fieldSpec, path: "\(path).\(name)", into: &violations)
                } else if fieldSpec.required && fieldSpec.defaultValue == nil {
                    violations.append(ContractViolation(input: "\(path).\(name)", message: "is required but has no value"))
                }
            }
        default:
            break
        }
    }

    /// Whether ``collectViolations(_:against:path:into:)`` finds nothing, decided without building a
    /// path or a message: the render hot path checks every request's values here (building
    /// "orders[3].id" for each field of each item was a fifth of a render's work in
    /// hack/bench/http's profile). The two must agree; a test compares them on random specs.
    static func conforms(_ value: TemplateValue, to spec: InputSpec) -> Bool {
        spec.admits(value)
    }

    /// ``typeMatches(_:_:)`` for a tape's node.
    static func typeMatches(_ view: JSONTapeView, _ node: Int, _ type: InputSpec.ValueType) -> Bool {
        switch (type, view.kind(node)) {
        case (.string, .string), (.boolean, .bool), (.integer, .int), (.number, .int), (.number, .double),
             (.array, .array), (.object, .object):
            return true
        case (.integer, .double):
            let d = view.number(node)!
            return d == d.rounded() && abs(d) < 1e15
        default:
            return false
        }
    }

    /// Whether `value` has the declared type (an integer-valued double counts as an integer).
    static func typeMatches(_ value: TemplateValue, _ type: InputSpec.ValueType) -> Bool {
        switch (type, value) {
        case (.string, .string), (.boolean, .bool), (.integer, .int), (.number, .int), (.number, .double),
             (.array, .array), (.object, .object):
            return true
        case (.integer, .double(let d)):
            return d == d.rounded() && abs(d) < 1e15
        default:
            return false
        }
    }

    /// A number's value as a Double (0 for anything else).
    static func number(_ value: TemplateValue) -> Double {
        switch value {
        case .int(let i): return Double(i)
        case .double(let x): return x
        default: return 0
        }
    }

    /// Numbers compare by value (1 == 1.0).
    static func equal(_ a: TemplateValue, _ b: TemplateValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .double(let y)), (.double(let y), .int(let x)): return Double(x) == y
        default: return a == b
        }
    }

    /// A short rendering of a value for messages.
    static func display(_ value: TemplateValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return "'\(s.count > 40 ? String(s.prefix(40)) + "…" : s)'"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
