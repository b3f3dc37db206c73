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
    /// Where the input is declared.
    public var location: SourceLocation?

    /// Used when no value is given.
    public var defaultValue: TemplateValue? {
        get { box?.value.defaultValue ?? nil }
        set { details.defaultValue = newValue }
    }
    /// The allowed values, when restricted.
    public var allowedValues: [TemplateValue]? {
        get { box?.value.allowedValues ?? nil }
        set { details.allowedValues = newValue }
    }
    /// String length bounds.
    public var minLength: Int? {
        get { box?.value.minLength ?? nil }
        set { details.minLength = newValue }
    }
    /// String length bounds.
    public var maxLength: Int? {
        get { box?.value.maxLength ?? nil }
        set { details.maxLength = newValue }
    }
    /// Number bounds.
    public var minimum: Double? {
        get { box?.value.minimum ?? nil }
        set { details.minimum = newValue }
    }
    /// Number bounds.
    public var maximum: Double? {
        get { box?.value.maximum ?? nil }
        set { details.maximum = newValue }
    }
    /// Objects: typed fields (empty means any fields).
    public var properties: [String: InputSpec] {
        get { box?.value.properties ?? [:] }
        set { details.properties = newValue }
    }
    /// Arrays: the element type, when declared.
    public var items: InputSpec? {
        get { box?.value.items.first }
        set { details.items = newValue.map { [$0] } ?? [] }
    }

    /// The rarely set parts of a spec. Most inputs declare only a type, so these live in a
    /// shared box that is absent when empty (a controller holds every input of every template).
    private struct Details: Sendable, Equatable {
        var defaultValue: TemplateValue?
        var allowedValues: [TemplateValue]?
        var minLength: Int?
        var maxLength: Int?
        var minimum: Double?
        var maximum: Double?
        var properties: [String: InputSpec] = [:]
        /// Zero or one element, so the type can recurse.
        var items: [InputSpec] = []

        static let none = Details()
    }

    private final class DetailsBox: Sendable {
        let value: Details
        init(_ value: Details) { self.value = value }
    }

    private var box: DetailsBox?

    /// Whether anything beyond the type is declared (most inputs declare only a type: a
    /// value of that type conforms without reading any detail).
    var hasDetails: Bool { box != nil }

    // The getters above read one field of the box: going through `details` copied (and
    // retained) every field on each read, which a profile of render showed.
    private var details: Details {
        get { box?.value ?? .none }
        set { box = newValue == .none ? nil : DetailsBox(newValue) }
    }

    /// Creates an input spec.
    public init(type: ValueType, required: Bool = false, defaultValue: TemplateValue? = nil,
                allowedValues: [TemplateValue]? = nil, minLength: Int? = nil, maxLength: Int? = nil,
                minimum: Double? = nil, maximum: Double? = nil, items: InputSpec? = nil,
                properties: [String: InputSpec] = [:], location: SourceLocation? = nil) {
        self.type = type
        self.required = required
        self.location = location
        let details = Details(defaultValue: defaultValue, allowedValues: allowedValues, minLength: minLength,
                              maxLength: maxLength, minimum: minimum, maximum: maximum, properties: properties,
                              items: items.map { [$0] } ?? [])
        box = details == .none ? nil : DetailsBox(details)
    }

    /// Field-wise equality.
    public static func == (a: InputSpec, b: InputSpec) -> Bool {
        a.type == b.type && a.required == b.required && a.location == b.location && a.details == b.details
    }
}
