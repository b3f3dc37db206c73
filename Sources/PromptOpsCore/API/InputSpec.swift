/// The declared type of one template input (the typed contract).
public struct InputSpec: Sendable, Equatable {
    /// The value types an input may declare.
    public enum ValueType: String, Sendable, Hashable, CaseIterable {
        case string, number, integer, boolean, array, object
    }

    /// The value's type.
    public var type: ValueType
    /// A value must be given, or a default exist.
    public var required: Bool
    /// Used when no value is given.
    public var defaultValue: TemplateValue?
    /// The allowed values, when restricted.
    public var allowedValues: [TemplateValue]?
    /// String length bounds.
    public var minLength: Int?
    /// String length bounds.
    public var maxLength: Int?
    /// Number bounds.
    public var minimum: Double?
    /// Number bounds.
    public var maximum: Double?
    /// Objects: typed fields (empty means any fields).
    public var properties: [String: InputSpec]
    /// Arrays: element type, stored as zero or one element so the type can recurse.
    private var itemStorage: [InputSpec]
    /// Where the input is declared.
    public var location: SourceLocation?

    /// Arrays: the element type, when declared.
    public var items: InputSpec? {
        get { itemStorage.first }
        set { itemStorage = newValue.map { [$0] } ?? [] }
    }

    /// Creates an input spec.
    public init(type: ValueType, required: Bool = false, defaultValue: TemplateValue? = nil,
                allowedValues: [TemplateValue]? = nil, minLength: Int? = nil, maxLength: Int? = nil,
                minimum: Double? = nil, maximum: Double? = nil, items: InputSpec? = nil,
                properties: [String: InputSpec] = [:], location: SourceLocation? = nil) {
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.allowedValues = allowedValues
        self.minLength = minLength
        self.maxLength = maxLength
        self.minimum = minimum
        self.maximum = maximum
        self.properties = properties
        self.itemStorage = items.map { [$0] } ?? []
        self.location = location
    }
}
