/// A value a template reads. Our own tree, not `Any`, so rendering is fast and `Sendable`.
///
/// Truthiness follows the Mustache manual and spec: `null`, `false` and the empty
/// array are falsey; everything else — including `0`, `0.0` and the empty string —
/// is truthy. Interpolation formatting is described on ``interpolationText``.
public enum MustacheValue: Sendable, Equatable {
    /// The absence of a value; falsey, interpolates as the empty string.
    case null
    /// A boolean; interpolates as `true` / `false`.
    case bool(Bool)
    /// An integer; interpolates in decimal.
    case int(Int)
    /// A floating-point number; interpolates with Swift's shortest round-trip form (`1.21`, `2.0`).
    case double(Double)
    /// A string; interpolates as is (HTML-escaped only in ``MustacheEscaping/html`` mode).
    case string(String)
    /// A list; sections iterate it, inverted sections render when it is empty.
    case array([MustacheValue])
    /// A set of named values; sections push it onto the context stack.
    case object(MustacheObject)

    /// Whether a section renders for this value (and an inverted section does not).
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let flag): return flag
        case .array(let items): return !items.isEmpty
        case .int, .double, .string, .object: return true
        }
    }

    /// The text an interpolation tag produces for this value, before any escaping.
    ///
    /// Strings as is; integers in decimal; doubles via Swift's shortest round-trip
    /// representation (`1.21` → `"1.21"`, `2.0` → `"2.0"`); booleans `true`/`false`;
    /// `null` and objects produce the empty string; arrays join their items'
    /// interpolation text with `", "` (the spec leaves both unspecified).
    public var interpolationText: String {
        switch self {
        case .null, .object: return ""
        case .string(let text): return text
        case .int(let number): return String(number)
        case .double(let number): return number.description
        case .bool(let flag): return flag ? "true" : "false"
        case .array(let items): return items.map(\.interpolationText).joined(separator: ", ")
        }
    }

    /// Whether this is an object.
    @inline(__always)
    var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    /// The member named `key` when this is an object (read in place: no copy of the object).
    @inline(__always)
    func member(_ key: String) -> MustacheValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }

    /// Looks up a key when this value is an object; `nil` otherwise or when absent.
    public subscript(key: String) -> MustacheValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }
}

extension MustacheValue: ExpressibleByNilLiteral {
    /// Creates ``null``.
    public init(nilLiteral: ()) { self = .null }
}

extension MustacheValue: ExpressibleByBooleanLiteral {
    /// Creates ``bool(_:)``.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension MustacheValue: ExpressibleByIntegerLiteral {
    /// Creates ``int(_:)``.
    public init(integerLiteral value: Int) { self = .int(value) }
}

extension MustacheValue: ExpressibleByFloatLiteral {
    /// Creates ``double(_:)``.
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension MustacheValue: ExpressibleByStringLiteral {
    /// Creates ``string(_:)``.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension MustacheValue: ExpressibleByArrayLiteral {
    /// Creates ``array(_:)``.
    public init(arrayLiteral elements: MustacheValue...) { self = .array(elements) }
}

extension MustacheValue: ExpressibleByDictionaryLiteral {
    /// Creates ``object(_:)``; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, MustacheValue)...) {
        self = .object(MustacheObject(elements))
    }
}
