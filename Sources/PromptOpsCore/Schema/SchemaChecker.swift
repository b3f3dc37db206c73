/// Strictly checks a located YAML value against a ``SchemaType``, collecting every
/// problem (unknown field, wrong type, missing field, bad value) with its location.
public struct SchemaChecker: Sendable {
    /// Fields that existed once, with what replaced them.
    static let removedFields = [
        "apiKeyEnv": "removed: a manifest never names the controller's environment; name a secret of the controller config granted to this namespace with secretRef",
    ]

    /// Named definitions that ``SchemaType/reference(_:)`` points at.
    public var definitions: [String: SchemaType]

    /// Creates a checker.
    public init(definitions: [String: SchemaType]) {
        self.definitions = definitions
    }

    /// All problems of `value` against `type`; `fieldPath` names the node in messages (`spec.inputs.tone`).
    public func check(_ value: LocatedValue, against type: SchemaType, fieldPath: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        check(value, type, fieldPath, &out)
        return out
    }

    private func fail(_ value: LocatedValue, _ fieldPath: String, _ text: String, _ out: inout [Diagnostic]) {
        out.append(Diagnostic(.error, at: value.location, "\(fieldPath.isEmpty ? "document" : fieldPath): \(text)"))
    }

    private func describe(_ value: LocatedValue) -> String {
        switch value.content {
        case .null: return "null"
        case .bool: return "a boolean"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "a mapping"
        }
    }

    private func check(_ value: LocatedValue, _ type: SchemaType, _ fieldPath: String, _ out: inout [Diagnostic]) {
        switch type {
        case .any:
            return
        case .reference(let name):
            guard let resolved = definitions[name] else { return }
            check(value, resolved, fieldPath, &out)
        case .string(let rule):
            guard let s = value.string else {
                var hint = ""
                if case .int = value.content { hint = " (quote it to make it a string)" }
                if case .double = value.content { hint = " (quote it to make it a string)" }
                if case .bool = value.content { hint = " (quote it to make it a string)" }
                return fail(value, fieldPath, "expected a string, got \(describe(value))\(hint)", &out)
            }
            if let allowed = rule.allowed, !allowed.contains(s) {
                return fail(value, fieldPath, "'\(s)' is not allowed; expected one of: \(allowed.joined(separator: ", "))", &out)
            }
            if let format = rule.format, !format.accepts(s) {
                // A token pasted where its digest belongs must not be repeated in the error
                // (it would reach logs and audit records): say its shape, not its value.
                if format == .sha256Hex {
                    return fail(value, fieldPath, "a value of \(s.count) characters is not \(format.expectation); "
                                + "write the token's digest, never the token", &out)
                }
                if format == .regularExpression, let reason = StringFormat.regexProblem(s) {
                    return fail(value, fieldPath, "'\(s)' is not a pattern PromptOps can run: \(reason)", &out)
                }
                return fail(value, fieldPath, "'\(s)' is not \(format.expectation)", &out)
            }
            if let max = rule.maxLength, s.count > max {
                fail(value, fieldPath, "is \(s.count) characters long; at most \(max) allowed", &out)
            }
            if let min = rule.minLength, s.count < min {
                fail(value, fieldPath, "is \(s.count) characters long; at least \(min) required", &out)
            }
        case .integer(let minimum, let maximum):
            guard let i = value.int, value.string == nil else {
                return fail(value, fieldPath, "expected an integer, got \(describe(value))", &out)
            }
            if let minimum, i < minimum { fail(value, fieldPath, "\(i) is below the minimum \(minimum)", &out) }
            if let maximum, i > maximum { fail(value, fieldPath, "\(i) is above the maximum \(maximum)", &out) }
        case .number(let minimum, let maximum):
            guard let d = value.double else {
                return fail(value, fieldPath, "expected a number, got \(describe(value))", &out)
            }
            // `.nan` and `.inf` are YAML numbers, but no setting means them (and JSON cannot hold them).
            guard d.isFinite else { return fail(value, fieldPath, "expected a finite number, got \(d)", &out) }
            if let minimum, d < minimum { fail(value, fieldPath, "\(d) is below the minimum \(minimum)", &out) }
            if let maximum, d > maximum { fail(value, fieldPath, "\(d) is above the maximum \(maximum)", &out) }
        case .boolean:
            if value.bool == nil { fail(value, fieldPath, "expected true or false, got \(describe(value))", &out) }
        case .array(let element, let minItems):
            guard let items = value.array else {
                return fail(value, fieldPath, "expected a list, got \(describe(value))", &out)
            }
            if let minItems, items.count < minItems {
                fail(value, fieldPath, "needs at least \(minItems) item\(minItems == 1 ? "" : "s")", &out)
            }
            for (i, item) in items.enumerated() { check(item, element, "\(fieldPath)[\(i)]", &out) }
        case .map(let element, let keyFormat):
            guard let members = value.members else {
                return fail(value, fieldPath, "expected a mapping, got \(describe(value))", &out)
            }
            for member in members {
                if let keyFormat, let format = StringFormat(rawValue: keyFormat), !format.accepts(member.key) {
                    out.append(Diagnostic(.error, at: member.keyLocation,
                        "\(fieldPath): key '\(member.key)' is not \(format.expectation)"))
                }
                check(member.value, element, "\(fieldPath).\(member.key)", &out)
            }
        case .object(let schema):
            guard let members = value.members else {
                return fail(value, fieldPath, "expected a mapping, got \(describe(value))", &out)
            }
            for member in members {
                guard let field = schema.field(member.key) else {
                    let known = schema.fields.map(\.name).joined(separator: ", ")
                    let hint = Self.removedFields[member.key].map { " (\($0))" } ?? ""
                    out.append(Diagnostic(.error, at: member.keyLocation,
                        "\(fieldPath.isEmpty ? "" : fieldPath + ": ")unknown field '\(member.key)'\(hint); expected one of: \(known)"))
                    continue
                }
                let child = fieldPath.isEmpty ? member.key : "\(fieldPath).\(member.key)"
                check(member.value, field.type, child, &out)
            }
            for field in schema.fields where field.required && value.member(field.name) == nil {
                fail(value, fieldPath, "missing required field '\(field.name)'", &out)
            }
            for group in schema.exactlyOneOf {
                let present = group.filter { value.member($0) != nil }
                if present.count != 1 {
                    let options = group.map { "'\($0)'" }.joined(separator: " or ")
                    let text = present.isEmpty ? "needs exactly one of \(options)" : "has \(present.map { "'\($0)'" }.joined(separator: " and ")); set exactly one of \(options)"
                    fail(value, fieldPath, text, &out)
                }
            }
        }
    }
}
