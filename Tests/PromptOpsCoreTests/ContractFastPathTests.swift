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

    static func pick<T>(_ options: [T], _ random: inout LinearRegexSeededGenerator) -> T {
        options[Int(random.next() % UInt64(options.count))]
    }

    static func chance(_ percent: UInt64, _ random: inout LinearRegexSeededGenerator) -> Bool {
        random.next() % 100 < percent
    }

    static let names = ["id", "n", "ok"]
    static let strings: [TemplateValue] = ["", "a", "abc", "héllo", "🙂🙂", "xxxxxxxx"]

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
