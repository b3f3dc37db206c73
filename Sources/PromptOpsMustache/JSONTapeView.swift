/// A ``JSONTape`` read in place, through buffers valid while the tape is borrowed
/// (``JSONTape/withView(_:)``): what a render and the contract read a request's values
/// through, with no reference counted per read. Values are node positions.
public struct JSONTapeView: MustacheDocument {
    let text: UnsafeBufferPointer<UInt8>
    let nodes: UnsafeBufferPointer<JSONTape.Node>
    let members: UnsafeBufferPointer<JSONTape.Member>
    let items: UnsafeBufferPointer<Int32>
    /// Whether some member name is not ASCII (only names the tape was given, never read:
    /// a contract's defaults, a tape made from a value tree).
    let hasNonASCIINames: Bool

    // MARK: - Reading values

    /// The kind of `node`.
    @inline(__always)
    public func kind(_ node: Int) -> JSONTape.Kind { nodes[node].kind }

    /// How many members (an object) or items (an array) `node` has; 0 for anything else.
    public func count(_ node: Int) -> Int {
        switch nodes[node].kind {
        case .array, .object: return Int(nodes[node].count)
        default: return 0
        }
    }

    /// The value of the member called `name` when `node` is an object.
    @inline(__always)
    public func member(_ node: Int, _ name: String) -> Int? {
        member(Int32(node), name).map { Int($0) }
    }

    /// The value of member `position` of object `node`.
    public func memberValue(_ node: Int, at position: Int) -> Int {
        Int(members[Int(nodes[node].start) + position].value)
    }

    /// The name of member `position` of object `node`.
    public func memberName(_ node: Int, at position: Int) -> String {
        let member = members[Int(nodes[node].start) + position]
        return String(decoding: UnsafeBufferPointer(rebasing: text[Int(member.nameStart)..<Int(member.nameStart + member.nameCount)]), as: UTF8.self)
    }

    /// Whether member `position` of object `node` is called `name`, compared as `String`s do.
    public func memberName(_ node: Int, at position: Int, is name: String) -> Bool {
        let at = Int(nodes[node].start) + position
        return find(name, in: members[at..<(at + 1)]) != nil
    }

    /// Item `position` of array `node`.
    public func item(_ node: Int, at position: Int) -> Int {
        Int(items[Int(nodes[node].start) + position])
    }

    /// The bytes of string `node`.
    @inline(__always)
    func bytes(_ node: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: text[Int(nodes[node].start)..<Int(nodes[node].start + nodes[node].count)])
    }

    /// The string `node` holds (nil when it is not a string).
    public func string(_ node: Int) -> String? {
        guard nodes[node].kind == .string else { return nil }
        return String(decoding: bytes(node), as: UTF8.self)
    }

    /// Whether string `node` is plain ASCII without `\r` (so its `Character` count is its byte count).
    public func stringIsSimple(_ node: Int) -> Bool {
        guard nodes[node].kind == .string else { return false }
        for byte in bytes(node) where byte >= 0x80 || byte == 0x0D { return false }
        return true
    }

    /// The byte count of string `node`.
    public func stringByteCount(_ node: Int) -> Int { Int(nodes[node].count) }

    /// The integer `node` holds.
    public func int(_ node: Int) -> Int? {
        nodes[node].kind == .int ? Int(nodes[node].scalar) : nil
    }

    /// The number `node` holds (integers too), as a `Double`.
    public func number(_ node: Int) -> Double? {
        switch nodes[node].kind {
        case .int: return Double(nodes[node].scalar)
        case .double: return Double(bitPattern: UInt64(bitPattern: nodes[node].scalar))
        default: return nil
        }
    }

    /// `node` as a value tree (for what is not read in place).
    public func value(_ node: Int) -> MustacheValue {
        let value = nodes[node]
        switch value.kind {
        case .null: return .null
        case .bool: return .bool(value.scalar != 0)
        case .int: return .int(Int(value.scalar))
        case .double: return .double(Double(bitPattern: UInt64(bitPattern: value.scalar)))
        case .string: return .string(string(node)!)
        case .array: return .array((0..<Int(value.count)).map { self.value(item(node, at: $0)) })
        case .object:
            return .object(MustacheObject(uniqueMembers: (0..<Int(value.count)).map {
                (key: memberName(node, at: $0), value: self.value(memberValue(node, at: $0)))
            }))
        }
    }

    // MARK: - Names

    /// The value of the member called `name` among `candidates`, names compared as `String`s
    /// compare: byte for byte while both are ASCII (names read from JSON always are, and an
    /// ASCII `String` equals only its own bytes); as `String`s when either is not, as a
    /// non-ASCII name can be canonically equivalent to an ASCII one (U+212A KELVIN SIGN is
    /// "K"), and `hasNonASCIINames` says whether the tape holds any.
    func find(_ name: String, in candidates: Slice<UnsafeBufferPointer<JSONTape.Member>>) -> Int32? {
        // -1: not found byte for byte; -2: the name is not ASCII (or not contiguous UTF-8).
        let found = name.utf8.withContiguousStorageIfAvailable { utf8 -> Int32 in
            let count = utf8.count
            for member in candidates where Int(member.nameCount) == count {
                var position = 0
                let start = Int(member.nameStart)
                while position < count, utf8[position] == text[start + position] { position += 1 }
                if position == count { return member.value }
            }
            for byte in utf8 where byte >= 0x80 { return -2 }
            return -1
        } ?? -2
        if found >= 0 { return found }
        if found == -1 && !hasNonASCIINames { return nil }
        for member in candidates
        where String(decoding: UnsafeBufferPointer(rebasing: text[Int(member.nameStart)..<Int(member.nameStart + member.nameCount)]), as: UTF8.self) == name {
            return member.value
        }
        return nil
    }

    // MARK: - MustacheDocument

    @inline(__always)
    func isObject(_ value: Int32) -> Bool { nodes[Int(value)].kind == .object }

    @inline(__always)
    func member(_ value: Int32, _ name: String) -> Int32? {
        let node = nodes[Int(value)]
        guard node.kind == .object else { return nil }
        return find(name, in: members[Int(node.start)..<Int(node.start + node.count)])
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
        switch nodes[Int(value)].kind {
        case .string:
            if escaped { output.appendHTMLEscaped(bytes(Int(value))) } else { output.append(bytes(Int(value))) }
        case .int:
            output.append(Int(nodes[Int(value)].scalar))
        case .null, .object:
            break
        case .bool, .double, .array:
            output.append(interpolationText(value), escaped: escaped)
        }
    }

    /// ``MustacheValue/interpolationText`` of a node, read in place (an array's objects are
    /// not made into values: they interpolate as nothing, whatever they hold).
    private func interpolationText(_ value: Int32) -> String {
        let node = nodes[Int(value)]
        switch node.kind {
        case .null, .object: return ""
        case .string: return string(Int(value))!
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

    func string(_ value: Int32) -> String? { string(Int(value)) }
}
