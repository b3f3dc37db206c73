import Testing
@testable import PromptOpsCore

/// The render hot path asks ``InputContract/conforms(_:to:)`` before building any message;
/// it must say "conforms" exactly when the full check finds no violation.
@Suite("Contract fast path agrees with the full check")
struct ContractFastPathTests {
    /// Random specs (types, enums, bounds, nested items and properties) against random values.
    @Test func conformsAgreesWithCheckOnRandomSpecsAndValues() {
        var random = LinearRegexSeededGenerator(seed: 0x5EED_C0DE)
        var failing = 0
        for _ in 0..<20_000 {
            let spec = Self.spec(depth: 0, &random)
            let value = Self.value(depth: 0, &random)
            var violations: [ContractViolation] = []
            InputContract.collectViolations(value, against: spec, path: "x", into: &violations)
            let conforms = InputContract.conforms(value, to: spec)
            #expect(conforms == violations.isEmpty, "\(spec) \(value): \(violations)")
            if !conforms { failing += 1 }
            if conforms != violations.isEmpty { return }
        }
        // Both outcomes are exercised, or the comparison proves little.
        #expect(failing > 2_000 && failing < 18_000, "\(failing) of 20,000 failed")
    }

    /// The fast path reads an object's properties from a list kept beside the dictionary: a
    /// spec whose properties, items or bounds are set after it was made is checked by what it
    /// holds now, and a spec made equal by other steps compares equal.
    @Test func propertiesSetLaterAreChecked() {
        var spec = InputSpec(type: .object)
        let order: TemplateValue = .object(["id": "A-1"])
        #expect(InputContract.conforms(order, to: spec))
        spec.properties = ["id": InputSpec(type: .string, required: true), "total": InputSpec(type: .number, required: true)]
        #expect(!InputContract.conforms(order, to: spec), "a required property added later is not checked")
        #expect(InputContract.conforms(.object(["id": "A-1", "total": 3]), to: spec))
        spec.properties["total"] = nil
        #expect(InputContract.conforms(order, to: spec), "a property removed later is still required")
        spec.maxLength = 2
        #expect(InputContract.conforms(order, to: spec), "a string bound on an object spec applies to strings only")
        var list = InputSpec(type: .array)
        list.items = spec
        #expect(!InputContract.conforms(.array([order, .object(["id": 5])]), to: list))
        #expect(InputContract.conforms(.array([order, order]), to: list))
        let same = InputSpec(type: .object, properties: ["id": InputSpec(type: .string, required: true)])
        var built = InputSpec(type: .object)
        built.properties = ["id": InputSpec(type: .string, required: true)]
        #expect(same == built)
    }

    /// The context a render gets: given values, defaults for missing or null ones, nothing
    /// for a null without default; the same whether or not a dictionary had to be built.
    @Test func contextHoldsGivenValuesAndDefaults() {
        let contract = InputContract(inputs: [
            "a": InputSpec(type: .string), "b": InputSpec(type: .integer, defaultValue: 7), "c": InputSpec(type: .string),
        ])
        #expect(contract.resolve(["a": "x", "b": 1, "c": "y"]) == .success(.object(["a": "x", "b": 1, "c": "y"])))
        #expect(contract.resolve(["a": "x", "c": "y"]) == .success(.object(["a": "x", "b": 7, "c": "y"])))
        #expect(contract.resolve(["a": "x", "b": .null, "c": "y"]) == .success(.object(["a": "x", "b": 7, "c": "y"])))
        #expect(contract.resolve(["a": .null, "c": "y"]) == .success(.object(["b": 7, "c": "y"])))
        #expect(contract.resolve(["c": .null, "a": "x", "b": 2]) == .success(.object(["a": "x", "b": 2])))
        #expect(contract.resolve([:]) == .success(.object(["b": 7])))
        guard case .failure(let error) = contract.resolve(["a": 1, "z": true]) else { Issue.record("accepted"); return }
        #expect(error.violations.map(\.input) == ["z", "a"])
    }

    /// `resolve` against the plain algorithm it replaced (a context of every declared input
    /// given non-null, defaults for the others, every violation): on random contracts and
    /// values, the same context or the same violations, in the same order.
    @Test func resolveAgreesWithThePlainAlgorithm() {
        var random = LinearRegexSeededGenerator(seed: 0xC0_47E7)
        var built = 0, failed = 0, shortcut = 0
        for _ in 0..<30_000 {
            var inputs: [String: InputSpec] = [:]
            for name in ["a", "b", "c", "d"] where Self.chance(70, &random) { inputs[name] = Self.spec(depth: 1, &random) }
            var values: [String: TemplateValue] = [:]
            for name in ["a", "b", "c", "d", "e"] where Self.chance(name == "e" ? 10 : 60, &random) {
                values[name] = Self.chance(15, &random) ? .null : Self.value(depth: 2, &random)
            }
            // NaN is never equal to itself (and JSON bodies cannot hold it): left out here.
            if values.values.contains(where: Self.hasNaN) || inputs.values.contains(where: { $0.defaultValue.map(Self.hasNaN) ?? false }) { continue }
            let contract = InputContract(inputs: inputs)
            let expected = Self.plainResolve(inputs, values)
            #expect(contract.resolve(values) == expected, "\(inputs) \(values)")
            switch expected {
            case .success(let context): if context == .object(values) { shortcut += 1 } else { built += 1 }
            case .failure: failed += 1
            }
        }
        // The shortcut, a built context and failures are all exercised.
        #expect(shortcut > 100 && built > 100 && failed > 100, "shortcut \(shortcut), built \(built), failed \(failed)")
    }

    /// The contract read from a JSON tape (the server's render path) says what it says of the
    /// tape's value tree: for one spec and value, and for whole contracts, whose context the
    /// tape then holds (given nulls, which render as absent names do, left aside).
    @Test func tapeAgreesWithTheTree() {
        var random = LinearRegexSeededGenerator(seed: 0x7A9E_C0DE)
        var admitted = 0
        for _ in 0..<20_000 {
            let spec = Self.spec(depth: 0, &random)
            let value = Self.value(depth: 0, &random)
            if Self.hasNaN(value) { continue }
            let tape = JSONTape(value)
            let fromTape = tape.withView { spec.admits($0, tape.root) }
            #expect(fromTape == spec.admits(value), "\(spec) \(value)")
            if fromTape { admitted += 1 }
        }
        #expect(admitted > 1_000 && admitted < 19_000, "\(admitted) of 20,000 admitted")
        var built = 0, failed = 0
        for _ in 0..<30_000 {
            var inputs: [String: InputSpec] = [:]
            for name in ["a", "b", "c", "d"] where Self.chance(70, &random) { inputs[name] = Self.spec(depth: 1, &random) }
            var values: [(String, TemplateValue)] = []
            for name in ["a", "b", "c", "d", "e"] where Self.chance(name == "e" ? 10 : 60, &random) {
                values.append((name, Self.chance(15, &random) ? .null : Self.value(depth: 2, &random)))
            }
            let object = MustacheObject(values)
            if object.values.contains(where: Self.hasNaN) || inputs.values.contains(where: { $0.defaultValue.map(Self.hasNaN) ?? false }) { continue }
            let contract = InputContract(inputs: inputs)
            var tape = JSONTape(.object(object))
            let fromTape = contract.resolve(tape: &tape, object: tape.root)
            switch contract.resolve(object) {
            case .success(let context):
                #expect(fromTape, "\(inputs) \(values)")
                guard case .object(let held) = tape.value(tape.root) else { Issue.record("not an object"); continue }
                guard case .object(let expected) = context else { Issue.record("not an object"); continue }
                #expect(MustacheObject(held.filter { $0.value != .null }) == MustacheObject(expected.filter { $0.value != .null }),
                        "\(inputs) \(values)")
                if context != .object(object) { built += 1 }
            case .failure:
                #expect(!fromTape, "\(inputs) \(values)")
                failed += 1
            }
        }
        #expect(built > 100 && failed > 100, "built \(built), failed \(failed)")
    }

    static func hasNaN(_ value: TemplateValue) -> Bool {
        switch value {
        case .double(let d): return d.isNaN
        case .array(let items): return items.contains(where: hasNaN)
        case .object(let fields): return fields.values.contains(where: hasNaN)
        default: return false
        }
    }

    /// The algorithm before the shortcut, written out plainly.
    static func plainResolve(_ inputs: [String: InputSpec], _ values: [String: TemplateValue]) -> Result<TemplateValue, ContractError> {
        var violations: [ContractViolation] = []
        var context: [String: TemplateValue] = [:]
        for name in values.keys.sorted() where inputs[name] == nil {
            let declared = inputs.keys.sorted().joined(separator: ", ")
            violations.append(ContractViolation(input: name,
                message: "is not a declared input of this template (declared: \(declared.isEmpty ? "none" : declared))"))
        }
        for name in inputs.keys.sorted() {
            let spec = inputs[name]!
            if let value = values[name], value != .null {
                InputContract.collectViolations(value, against: spec, path: name, into: &violations)
                context[name] = value
            } else if let fallback = spec.defaultValue {
                context[name] = fallback
            } else if spec.required {
                violations.append(ContractViolation(input: name, message: "is required but has no value (expected \(InputContract.noun(spec.type)))"))
            }
        }
        return violations.isEmpty ? .success(.object(context)) : .failure(ContractError(violations: violations))
    }

    static func pick<T>(_ options: [T], _ random: inout LinearRegexSeededGenerator) -> T {
        options[Int(random.next() % UInt64(options.count))]
    }

    static func chance(_ percent: UInt64, _ random: inout LinearRegexSeededGenerator) -> Bool {
        random.next() % 100 < percent
    }

    static let names = ["id", "n", "ok"]
    static let strings: [TemplateValue] = ["", "a", "abc", "héllo", "🙂🙂", "xxxxxxxx", "a\r\nb"]

    static func spec(depth: Int, _ random: inout LinearRegexSeededGenerator) -> InputSpec {
        let type = pick(InputSpec.ValueType.allCases, &random)
        var spec = InputSpec(type: type, required: chance(40, &random))
        if chance(20, &random) { spec.defaultValue = value(depth: 2, &random) }
        switch type {
        case .string:
            if chance(30, &random) { spec.allowedValues = [pick(strings, &random), pick(strings, &random)] }
            if chance(40, &random) { spec.minLength = Int(random.next() % 4) }
            if chance(40, &random) { spec.maxLength = Int(random.next() % 6) }
        case .integer, .number:
            if chance(30, &random) { spec.allowedValues = [.int(1), .double(2.5), .int(Int(random.next() % 4))] }
            if chance(40, &random) { spec.minimum = Double(Int(random.next() % 5)) - 2 }
            if chance(40, &random) { spec.maximum = Double(Int(random.next() % 5)) }
        case .array:
            if depth < 3 && chance(70, &random) { spec.items = Self.spec(depth: depth + 1, &random) }
        case .object:
            if depth < 3 {
                for name in names where chance(50, &random) { spec.properties[name] = Self.spec(depth: depth + 1, &random) }
            }
        case .boolean:
            if chance(20, &random) { spec.allowedValues = [.bool(true)] }
        }
        return spec
    }

    static func value(depth: Int, _ random: inout LinearRegexSeededGenerator) -> TemplateValue {
        switch random.next() % (depth < 3 ? 8 : 6) {
        case 0: return .null
        case 1: return .bool(chance(50, &random))
        case 2: return .int(Int(random.next() % 7) - 3)
        case 3: return pick([.double(2.5), .double(1.0), .double(-0.5), .double(.nan), .double(1e16)], &random)
        case 4, 5: return pick(strings, &random)
        case 6: return .array((0..<Int(random.next() % 4)).map { _ in value(depth: depth + 1, &random) })
        default:
            var fields: [String: TemplateValue] = [:]
            for name in names where chance(60, &random) { fields[name] = value(depth: depth + 1, &random) }
            return .object(fields)
        }
    }
}
