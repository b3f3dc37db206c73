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
        var properties: [String: InputSpec] = [:] {
            didSet { propertyList = properties.map { Property(name: $0.key, spec: $0.value) } }
        }
        /// Zero or one element, so the type can recurse.
        var items: [InputSpec] = []
        /// `properties` as an array, read in place by ``InputSpec/admits(_:)`` (iterating the
        /// dictionary copied every name and spec: a retain each, of objects every request's
        /// thread shares).
        private(set) var propertyList: [Property] = []

        init(defaultValue: TemplateValue? = nil, allowedValues: [TemplateValue]? = nil, minLength: Int? = nil,
             maxLength: Int? = nil, minimum: Double? = nil, maximum: Double? = nil,
             properties: [String: InputSpec] = [:], items: [InputSpec] = []) {
            self.defaultValue = defaultValue
            self.allowedValues = allowedValues
            self.minLength = minLength
            self.maxLength = maxLength
            self.minimum = minimum
            self.maximum = maximum
            self.properties = properties
            self.items = items
            propertyList = properties.map { Property(name: $0.key, spec: $0.value) }
        }

        static func == (a: Details, b: Details) -> Bool {
            a.defaultValue == b.defaultValue && a.allowedValues == b.allowedValues && a.minLength == b.minLength
                && a.maxLength == b.maxLength && a.minimum == b.minimum && a.maximum == b.maximum
                && a.properties == b.properties && a.items == b.items
        }

        static let none = Details()
    }

    private struct Property: Sendable {
        let name: String
        let spec: InputSpec
    }

    private final class DetailsBox: Sendable {
        let value: Details
        init(_ value: Details) { self.value = value }

        /// ``InputSpec/admits(_:)`` past the type. A method of the box, reading each field where
        /// it is: a method of `Details` called through the box copied all of it first.
        func admits(_ candidate: TemplateValue) -> Bool {
            if let allowed = value.allowedValues, !allowed.contains(where: { InputContract.equal($0, candidate) }) { return false }
            switch candidate {
            case .string(let s):
                if value.maxLength != nil || value.minLength != nil {
                    let count = s.count
                    if let maximum = value.maxLength, count > maximum { return false }
                    if let minimum = value.minLength, count < minimum { return false }
                }
            case .int, .double:
                let d = InputContract.number(candidate)
                if let minimum = value.minimum, d < minimum { return false }
                if let maximum = value.maximum, d > maximum { return false }
            case .array(let elements):
                guard !value.items.isEmpty else { return true }
                return value.items.withUnsafeBufferPointer { item in
                    for element in elements where !item[0].admits(element) { return false }
                    return true
                }
            case .object(let fields):
                return value.propertyList.withUnsafeBufferPointer { list in
                    for position in list.indices {
                        if let field = fields[list[position].name], field != .null {
                            if !list[position].spec.admits(field) { return false }
                        } else if list[position].spec.required && list[position].spec.defaultValue == nil {
                            return false
                        }
                    }
                    return true
                }
            default:
                break
            }
            return true
        }

        /// ``admits(_:)`` of a tape's node.
        func admits(_ tape: JSONTapeView, _ node: Int) -> Bool {
            if let allowed = value.allowedValues {
                let candidate = tape.value(node)
                if !allowed.contains(where: { InputContract.equal($0, candidate) }) { return false }
            }
            switch tape.kind(node) {
            case .string:
                if value.maxLength != nil || value.minLength != nil {
                    // A plain ASCII string without a CR has as many characters as bytes.
                    let count = tape.stringIsSimple(node) ? tape.stringByteCount(node) : tape.string(node)!.count
                    if let maximum = value.maxLength, count > maximum { return false }
                    if let minimum = value.minLength, count < minimum { return false }
                }
            case .int, .double:
                let d = tape.number(node)!
                if let minimum = value.minimum, d < minimum { return false }
                if let maximum = value.maximum, d > maximum { return false }
            case .array:
                guard !value.items.isEmpty else { return true }
                return value.items.withUnsafeBufferPointer { item in
                    for position in 0..<tape.count(node) where !item[0].admits(tape, tape.item(node, at: position)) { return false }
                    return true
                }
            case .object:
                return value.propertyList.withUnsafeBufferPointer { list in
                    for position in list.indices {
                        if let field = tape.member(node, list[position].name), tape.kind(field) != .null {
                            if !list[position].spec.admits(tape, field) { return false }
                        } else if list[position].spec.required && list[position].spec.defaultValue == nil {
                            return false
                        }
                    }
                    return true
                }
            default:
                break
            }
            return true
        }
    }

    private var box: DetailsBox?

    /// ``admits(_:)`` for `node` of a tape, read where it lies: the same answer as for the
    /// node's value tree (``JSONTape/value(_:)``; a test compares the two).
    func admits(_ view: JSONTapeView, _ node: Int) -> Bool {
        guard InputContract.typeMatches(view, node, type) else { return false }
        guard let box else { return true }
        return box.admits(view, node)
    }

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

    /// Whether `value` satisfies this spec: the contract's fast path (no messages, no paths),
    /// reading the spec in place. `InputContract.collectViolations` is the full check; the two
    /// must agree (a test compares them on random specs and values).
    ///
    /// Why in place: copying a spec (its location's path and its details box) or a property
    /// list entry costs a retain and a release of an object every serving thread reads; in a
    /// profile of render (hack/bench/http) these were the largest share of the contract's
    /// work, and the retains themselves mostly waited on the cache line.
    func admits(_ value: TemplateValue) -> Bool {
        guard InputContract.typeMatches(value, type) else { return false }
        guard let box else { return true }
        return box.admits(value)
    }

    /// Field-wise equality.
    public static func == (a: InputSpec, b: InputSpec) -> Bool {
        a.type == b.type && a.required == b.required && a.location == b.location && a.details == b.details
    }
}
