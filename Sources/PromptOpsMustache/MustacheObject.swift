/// The members of an object value: names to values, each name once, kept in the order they
/// were added (a JSON body's own order).
///
/// Small objects, which is nearly every request's `variables` and every item of a list, are
/// searched member by member: no key is hashed and no hash table is allocated. A render
/// request hashed every key when its body was parsed, again when the contract looked each
/// input up, and again per frame when a template resolved a name: 7 % of a render's CPU in
/// a profile (hack/bench/http, render of hack/bench/http-fixtures). Past
/// ``indexedFrom`` members a hash index is kept too, so a large object is not searched
/// linearly.
///
/// Equality ignores order, as a dictionary's does: two objects are equal when they hold the
/// same names with equal values.
public struct MustacheObject: Sendable, Equatable, Sequence {
    /// A member: its name and value.
    public typealias Element = (key: String, value: MustacheValue)

    /// From this many members on, lookups go through a hash index.
    public static let indexedFrom = 16

    private var members: [Element]
    /// Positions in `members` by name; kept only from ``indexedFrom`` members on.
    private var index: [String: Int]?

    /// An empty object.
    public init() {
        members = []
        index = nil
    }

    /// The entries of `dictionary` (in the dictionary's order).
    public init(_ dictionary: [String: MustacheValue]) {
        members = dictionary.map { (key: $0.key, value: $0.value) }
        index = nil
        buildIndexIfLarge()
    }

    /// Members whose names the caller has checked are distinct (a parser that refuses
    /// duplicate keys); in that order. Checked in debug builds only.
    public init(uniqueMembers: [Element]) {
        assert(Set(uniqueMembers.map(\.key)).count == uniqueMembers.count, "repeated member names")
        members = uniqueMembers
        index = nil
        buildIndexIfLarge()
    }

    /// Members in order; a repeated name keeps its first position and its last value.
    public init(_ elements: some Sequence<(String, MustacheValue)>) {
        self.init()
        for (key, value) in elements { self[key] = value }
    }

    private mutating func buildIndexIfLarge() {
        guard members.count >= Self.indexedFrom else { return }
        var positions = [String: Int](minimumCapacity: members.count)
        for (position, member) in members.enumerated() { positions[member.key] = position }
        index = positions
    }

    /// The position of `key` in `members`, if present.
    @inline(__always)
    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        return members.withUnsafeBufferPointer { buffer in
            // Swift's `==` (canonical equivalence, as the hash index, sets and dictionaries
            // compare): a byte-length shortcut would let "é" and "e\u{301}" differ here only.
            for position in buffer.indices where buffer[position].key == key { return position }
            return nil
        }
    }

    /// The value named `key`; setting nil removes the member.
    public subscript(key: String) -> MustacheValue? {
        get {
            guard let position = position(of: key) else { return nil }
            return members[position].value
        }
        set {
            let position = position(of: key)
            switch (position, newValue) {
            case (let position?, let value?):
                members[position].value = value
            case (nil, let value?):
                members.append((key: key, value: value))
                if index != nil { index![key] = members.count - 1 } else { buildIndexIfLarge() }
            case (let position?, nil):
                members.remove(at: position)
                if index != nil {
                    index = nil
                    buildIndexIfLarge()
                }
            case (nil, nil):
                break
            }
        }
    }

    /// How many members there are.
    public var count: Int { members.count }

    /// Whether there are no members.
    public var isEmpty: Bool { members.isEmpty }

    /// The names, in order.
    public var keys: LazyMapSequence<[Element], String> { members.lazy.map(\.key) }

    /// The values, in order.
    public var values: LazyMapSequence<[Element], MustacheValue> { members.lazy.map(\.value) }

    /// The members as a dictionary.
    public var dictionary: [String: MustacheValue] {
        Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    public func makeIterator() -> IndexingIterator<[Element]> {
        members.makeIterator()
    }

    public var underestimatedCount: Int { members.count }

    public static func == (a: MustacheObject, b: MustacheObject) -> Bool {
        guard a.members.count == b.members.count else { return false }
        for member in a.members {
            guard let other = b[member.key], other == member.value else { return false }
        }
        return true
    }
}

extension MustacheValue {
    /// An object of the entries of `members`.
    public static func object(_ members: [String: MustacheValue]) -> MustacheValue {
        .object(MustacheObject(members))
    }
}
