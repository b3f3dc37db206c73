/// What a section does with its value.
enum MustacheSectionKind {
    /// Render the body once per item (a list; `count` items).
    case list(Int)
    /// Render nothing (`null`, `false`).
    case skip
    /// Render the body once with the value pushed onto the context stack.
    case push
}

/// The values a render reads, seen through a document: the value tree (``MustacheValueTree``)
/// or a request's JSON read into a ``JSONTape`` (``JSONTapeView``). The renderer is
/// generic over it and specialized for each, so both read values without existentials.
protocol MustacheDocument {
    associatedtype Value
    /// Whether `value` is an object (names resolve against it).
    func isObject(_ value: Value) -> Bool
    /// The member `name` of `value` when it is an object, compared as `String`s compare.
    func member(_ value: Value, _ name: String) -> Value?
    /// Whether a section renders for `value` (see ``MustacheValue/isTruthy``).
    func isTruthy(_ value: Value) -> Bool
    /// Writes `value`'s interpolation text (see ``MustacheValue/interpolationText``).
    func interpolate(_ value: Value, into output: inout MustacheOutput, escaped: Bool)
    /// What a section over `value` does.
    func sectionKind(_ value: Value) -> MustacheSectionKind
    /// Item `position` of a list value.
    func item(_ value: Value, at position: Int) -> Value
    /// The string `value` holds, if it is one (a dynamic partial's name).
    func string(_ value: Value) -> String?
}

/// The value tree as a document.
struct MustacheValueTree: MustacheDocument {
    @inline(__always)
    func isObject(_ value: MustacheValue) -> Bool { value.isObject }

    @inline(__always)
    func member(_ value: MustacheValue, _ name: String) -> MustacheValue? { value.member(name) }

    @inline(__always)
    func isTruthy(_ value: MustacheValue) -> Bool { value.isTruthy }

    func interpolate(_ value: MustacheValue, into output: inout MustacheOutput, escaped: Bool) {
        switch value {
        case .string(let text):
            output.append(text, escaped: escaped)
        case .int(let number):
            output.append(number)
        case .null:
            break
        case let other:
            output.append(other.interpolationText, escaped: escaped)
        }
    }

    @inline(__always)
    func sectionKind(_ value: MustacheValue) -> MustacheSectionKind {
        switch value {
        case .array(let items): return .list(items.count)
        case .null, .bool(false): return .skip
        default: return .push
        }
    }

    @inline(__always)
    func item(_ value: MustacheValue, at position: Int) -> MustacheValue {
        guard case .array(let items) = value else { preconditionFailure("item of a value that is not a list") }
        return items[position]
    }

    func string(_ value: MustacheValue) -> String? {
        if case .string(let text) = value { return text }
        return nil
    }
}
