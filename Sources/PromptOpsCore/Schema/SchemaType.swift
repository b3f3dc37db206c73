/// The shape a manifest node must have. One definition drives both strict decoding
/// (``SchemaChecker``) and the published JSON Schemas (``JSONSchemaWriter``), so the two
/// cannot drift apart.
public indirect enum SchemaType: Sendable {
    /// A string, optionally constrained.
    case string(StringRule = .init())
    /// A whole number within optional bounds.
    case integer(minimum: Int? = nil, maximum: Int? = nil)
    /// Any number within optional bounds.
    case number(minimum: Double? = nil, maximum: Double? = nil)
    /// `true` or `false`.
    case boolean
    /// A list of one element type.
    case array(SchemaType, minItems: Int? = nil)
    /// A mapping from free string keys to one value type.
    case map(SchemaType, keyPattern: String? = nil)
    /// A fixed set of fields.
    case object(ObjectSchema)
    /// A named definition, for recursive shapes (an input's `items`).
    case reference(String)
    /// Any JSON value (defaults, enum values, test variables).
    case any

    /// Constraints on a string.
    public struct StringRule: Sendable {
        /// A named format the string must have.
        public var format: StringFormat?
        /// The allowed values.
        public var allowed: [String]?
        /// Maximum length in characters.
        public var maxLength: Int?
        /// Minimum length in characters.
        public var minLength: Int?

        /// Creates a rule.
        public init(format: StringFormat? = nil, allowed: [String]? = nil,
                    minLength: Int? = nil, maxLength: Int? = nil) {
            self.format = format
            self.allowed = allowed
            self.minLength = minLength
            self.maxLength = maxLength
        }
    }

    /// A short noun for messages: "a string", "an integer".
    public var noun: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .number: return "a number"
        case .boolean: return "a boolean (true or false)"
        case .array: return "a list"
        case .map, .object: return "a mapping"
        case .reference: return "a mapping"
        case .any: return "a value"
        }
    }
}

/// A fixed set of fields: unknown fields are errors.
public struct ObjectSchema: Sendable {
    /// One field.
    public struct Field: Sendable {
        /// The key.
        public var name: String
        /// Its shape.
        public var type: SchemaType
        /// Whether it must be present.
        public var required: Bool
        /// One line for editors.
        public var description: String

        /// Creates a field.
        public init(_ name: String, _ type: SchemaType, required: Bool = false, _ description: String = "") {
            self.name = name
            self.type = type
            self.required = required
            self.description = description
        }
    }

    /// The fields, in documentation order.
    public var fields: [Field]
    /// Groups of which exactly one field must be present (e.g. `messages` or `text`).
    public var exactlyOneOf: [[String]]
    /// One line for editors.
    public var description: String

    /// Creates an object schema.
    public init(_ description: String = "", fields: [Field], exactlyOneOf: [[String]] = []) {
        self.fields = fields
        self.exactlyOneOf = exactlyOneOf
        self.description = description
    }

    /// The field named `name`.
    public func field(_ name: String) -> Field? { fields.first { $0.name == name } }
}
