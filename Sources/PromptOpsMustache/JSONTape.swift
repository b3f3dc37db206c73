/// A JSON document read into flat arrays: one node per value, object members and array
/// items as index ranges, string contents as byte ranges. No `String`, no object and no
/// array is made per value, so reading a request body costs a handful of allocations
/// whatever its size; a render can read its values straight from here (see
/// ``MustacheLibrary/renderBounded(_:view:context:bytes:)``).
///
/// It reads a strict subset of JSON and refuses the rest (``read(_:)`` returns nil): besides
/// anything that is not JSON, member names that are not plain ASCII (non-ASCII or escaped),
/// a name repeated in one object, objects of more than ``maximumMembers`` members, nesting
/// deeper than ``maximumDepth`` and numbers out of `Double`'s range. Whatever it accepts it
/// reads as the server's full JSON reader does (a test compares the two on random
/// documents); a caller sends what it refuses down its full path, which reports the error
/// or handles the rare shape.
///
/// Why not the value tree: building it was a third of a render request's CPU on the event
/// loop (hack/bench/http's render profile: parsing 10.5 % of the server's samples, dropping
/// the tree and the contract's copies most of another 5 %).
public struct JSONTape: Sendable {
    /// What a node is.
    public enum Kind: UInt8, Sendable {
        case null, bool, int, double, string, array, object
    }

    /// A value: its kind and where its contents are.
    struct Node {
        var kind: Kind
        /// string: offset in `text`; array: first position in `items`; object: first in `members`.
        var start: Int32
        /// string: byte count; array and object: element count.
        var count: Int32
        /// bool: 0 or 1; int: the value; double: its bit pattern.
        var scalar: Int64
    }

    /// An object member: its name's bytes in `text` and its value's node.
    struct Member {
        var nameStart: Int32
        var nameCount: Int32
        var value: Int32
    }

    /// The deepest nesting read (the full reader's limit).
    public static let maximumDepth = 64
    /// The most members one object may have here. Repeated names are found by comparing
    /// each name with the object's earlier ones, same length first: with at most 32 members,
    /// at most ~16 byte comparisons per byte of the document, however hostile (larger
    /// objects go to the full reader, which keeps a set of names).
    public static let maximumMembers = 32

    /// The document's bytes, then the contents of strings that had escapes, decoded.
    var text: [UInt8]
    var nodes: [Node]
    var members: [Member]
    var items: [Int32]
    /// Whether a member name is not ASCII: never one read (``read(_:)`` refuses them), only
    /// one given (``setMembers(of:adding:dropping:)``, ``init(_:)``).
    var hasNonASCIINames = false
    /// The top-level value.
    public private(set) var root: Int

    init(text: [UInt8]) {
        self.text = text
        nodes = []
        members = []
        items = []
        root = 0
    }

    /// Reads `bytes` as one JSON value; nil when they are not JSON or outside the subset read here.
    public static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> JSONTape? {
        guard bytes.count < Int(Int32.max) / 2 else { return nil }
        var reader = JSONTapeReader(bytes: bytes)
        reader.skipSpace()
        guard let root = reader.value(depth: 0) else { return nil }
        reader.skipSpace()
        guard reader.index == bytes.count else { return nil }
        reader.tape.root = Int(root)
        return reader.tape
    }

    /// A tape holding `value` (its objects' names as given: ``read(_:)`` would refuse
    /// non-ASCII ones, a tape made here keeps them).
    public init(_ value: MustacheValue) {
        self.init(text: [])
        root = Int(append(value))
    }

    /// Reads `bytes` as one JSON value (see ``read(_:)-(UnsafeBufferPointer<UInt8>)``).
    public static func read(_ bytes: [UInt8]) -> JSONTape? {
        bytes.withUnsafeBufferPointer { read($0) }
    }

    /// Calls `body` with the tape read in place (see ``JSONTapeView``).
    public func withView<R>(_ body: (JSONTapeView) -> R) -> R {
        text.withUnsafeBufferPointer { text in
            nodes.withUnsafeBufferPointer { nodes in
                members.withUnsafeBufferPointer { members in
                    items.withUnsafeBufferPointer { items in
                        body(JSONTapeView(text: text, nodes: nodes, members: members, items: items, hasNonASCIINames: hasNonASCIINames))
                    }
                }
            }
        }
    }

    // Single reads, through a view each (tests and one-off reads; a render reads through one view).

    /// The kind of `node`.
    public func kind(_ node: Int) -> Kind { nodes[node].kind }
    /// See ``JSONTapeView/member(_:_:)-(Int,String)``.
    public func member(_ node: Int, _ name: String) -> Int? { withView { $0.member(node, name) } }
    /// See ``JSONTapeView/string(_:)-(Int)``.
    public func string(_ node: Int) -> String? { withView { $0.string(node) } }
    /// See ``JSONTapeView/value(_:)``.
    public func value(_ node: Int) -> MustacheValue { withView { $0.value(node) } }

    // MARK: - Adding members

    /// Gives object `node` the members `added` (names not already there), after its own,
    /// leaving out its members for which `drop` is true: the contract's defaults.
    public mutating func setMembers(of node: Int, adding added: [(name: String, value: MustacheValue)], dropping drop: (Int) -> Bool) {
        precondition(nodes[node].kind == .object)
        var kept: [Member] = []
        let start = Int(nodes[node].start)
        for position in 0..<Int(nodes[node].count) where !drop(position) { kept.append(members[start + position]) }
        for (name, value) in added { kept.append(member(name, value)) }
        nodes[node].start = Int32(members.count)
        nodes[node].count = Int32(kept.count)
        members.append(contentsOf: kept)
    }

    /// A member called `name` holding `value`, its name and nodes appended.
    private mutating func member(_ name: String, _ value: MustacheValue) -> Member {
        if name.utf8.contains(where: { $0 >= 0x80 }) { hasNonASCIINames = true }
        let nameStart = Int32(text.count)
        text.append(contentsOf: name.utf8)
        let nameCount = Int32(text.count) - nameStart
        return Member(nameStart: nameStart, nameCount: nameCount, value: append(value))
    }

    /// Appends `value`'s nodes; its node.
    private mutating func append(_ value: MustacheValue) -> Int32 {
        var node = Node(kind: .null, start: 0, count: 0, scalar: 0)
        switch value {
        case .null: break
        case .bool(let flag): node.kind = .bool; node.scalar = flag ? 1 : 0
        case .int(let number): node.kind = .int; node.scalar = Int64(number)
        case .double(let number): node.kind = .double; node.scalar = Int64(bitPattern: number.bitPattern)
        case .string(let string):
            node.kind = .string
            node.start = Int32(text.count)
            text.append(contentsOf: string.utf8)
            node.count = Int32(text.count) - node.start
        case .array(let elements):
            let children = elements.map { append($0) }
            node.kind = .array
            node.start = Int32(items.count)
            node.count = Int32(children.count)
            items.append(contentsOf: children)
        case .object(let object):
            let children = object.map { member($0.key, $0.value) }
            node.kind = .object
            node.start = Int32(members.count)
            node.count = Int32(children.count)
            members.append(contentsOf: children)
        }
        nodes.append(node)
        return Int32(nodes.count - 1)
    }
}
