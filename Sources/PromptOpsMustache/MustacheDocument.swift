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
/// or a request's JSON read into a ``JSONTape`` (``JSONTapeDocument``). The renderer is
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

/// A ``JSONTape`` as a document: values are node positions, read in place through buffers
/// that are valid while the tape is borrowed (``JSONTape/withDocument(_:)``).
struct JSONTapeDocument: MustacheDocument {
    let text: UnsafeBufferPointer<UInt8>
    let nodes: UnsafeBufferPointer<JSONTape.Node>
    let members: UnsafeBufferPointer<JSONTape.Member>
    let items: UnsafeBufferPointer<Int32>

    @inline(__always)
    func isObject(_ value: Int32) -> Bool { nodes[Int(value)].kind == .object }

    @inline(__always)
    func member(_ value: Int32, _ name: String) -> Int32? {
        let node = nodes[Int(value)]
        guard node.kind == .object else { return nil }
        return Self.find(name, in: members[Int(node.start)..<Int(node.start + node.count)], text: text)
    }

    /// The value of the member called `name` among `candidates`.
    static func find(_ name: String, in candidates: Slice<UnsafeBufferPointer<JSONTape.Member>>,
                     text: UnsafeBufferPointer<UInt8>) -> Int32? {
        for member in candidates where matches(name, Int(member.nameStart)..<Int(member.nameStart + member.nameCount), text) {
            return member.value
        }
        return nil
    }

    /// Whether the (ASCII) member name at `range` of `text` is `name` as `String`s compare:
    /// byte for byte when `name` is ASCII too; otherwise as `String`s (a non-ASCII name can
    /// be canonically equivalent to an ASCII one: U+212A KELVIN SIGN is "K").
    @inline(__always)
    static func matches(_ name: String, _ range: Range<Int>, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let fast: Bool?? = name.utf8.withContiguousStorageIfAvailable { utf8 -> Bool? in
            if utf8.count == range.count {
                var position = 0
                while position < range.count, utf8[position] == text[range.lowerBound + position] { position += 1 }
                if position == range.count { return true }
            }
            for byte in utf8 where byte >= 0x80 { return nil }
            return false
        }
        if let fast, let answer = fast { return answer }
        return String(decoding: UnsafeBufferPointer(rebasing: text[range]), as: UTF8.self) == name
    }

    @inline(__always)
    func isTruthy(_ value: Int32) -> Bool {
        let node = nodes[Int(value)]
        switch node.kind {
        case .null: return false
        case .bool: return node.scalar != 0
        case .array: return node.count > 0
        case .int, .double, .string, .object: return true
        }
    }

    func interpolate(_ value: Int32, into output: inout MustacheOutput, escaped: Bool) {
        let node = nodes[Int(value)]
        switch node.kind {
        case .string:
            let bytes = UnsafeBufferPointer(rebasing: text[Int(node.start)..<Int(node.start + node.count)])
            if escaped { output.appendHTMLEscaped(bytes) } else { output.append(bytes) }
        case .int:
            output.append(Int(node.scalar))
        case .null, .object:
            break
        case .bool, .double, .array:
            output.append(interpolationText(value), escaped: escaped)
        }
    }

    /// ``MustacheValue/interpolationText`` of a node.
    private func interpolationText(_ value: Int32) -> String {
        let node = nodes[Int(value)]
        switch node.kind {
        case .null, .object: return ""
        case .string: return String(decoding: UnsafeBufferPointer(rebasing: text[Int(node.start)..<Int(node.start + node.count)]), as: UTF8.self)
        case .int: return String(Int(node.scalar))
        case .double: return Double(bitPattern: UInt64(bitPattern: node.scalar)).description
        case .bool: return node.scalar != 0 ? "true" : "false"
        case .array: return (0..<Int(node.count)).map { interpolationText(item(value, at: $0)) }.joined(separator: ", ")
        }
    }

    @inline(__always)
    func sectionKind(_ value: Int32) -> MustacheSectionKind {
        let node = nodes[Int(value)]
        switch node.kind {
        case .array: return .list(Int(node.count))
        case .null: return .skip
        case .bool where node.scalar == 0: return .skip
        default: return .push
        }
    }

    @inline(__always)
    func item(_ value: Int32, at position: Int) -> Int32 {
        items[Int(nodes[Int(value)].start) + position]
    }

    func string(_ value: Int32) -> String? {
        let node = nodes[Int(value)]
        guard node.kind == .string else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: text[Int(node.start)..<Int(node.start + node.count)]), as: UTF8.self)
    }
}
