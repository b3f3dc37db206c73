import Foundation

/// A parsed JSON document, kept exact about its kinds (a number is never taken for a boolean),
/// so providers can say precisely what they found where they wanted a number.
public enum JSONValue: Sendable, Equatable, Decodable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// Any JSON number.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object.
    case object([String: JSONValue])

    /// Decodes any JSON value.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([JSONValue].self) {
            self = .array(items)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses `bytes` as one JSON document; nil when they are not JSON.
    public static func parse(_ bytes: some Collection<UInt8>) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    /// The member `key` of an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The item at `index` of an array.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    /// The string, when this is one.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// A number, or a string holding one (`"0.93"`, `"NaN"`, `"+Inf"` as Prometheus writes them).
    public var numericValue: Double? {
        switch self {
        case .number(let number): return number
        case .string(let text): return Self.number(in: text)
        default: return nil
        }
    }

    /// Parses a decimal number, also Prometheus' `NaN`, `+Inf`, `-Inf`.
    static func number(in text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(trimmed)
        }
    }

    /// A short description of what this value is, for messages (`a string "abc"`, `an object`).
    public var summary: String {
        switch self {
        case .null: return "null"
        case .bool(let flag): return "a boolean (\(flag))"
        case .number(let number): return "the number \(number)"
        case .string(let text): return "a string \"\(text.count > 40 ? String(text.prefix(40)) + "…" : text)\""
        case .array(let items): return "an array of \(items.count) item(s)"
        case .object: return "an object"
        }
    }
}
