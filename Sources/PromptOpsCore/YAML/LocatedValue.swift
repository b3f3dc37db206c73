/// A decoded YAML value that remembers where each node came from, so every later
/// check (references, templates, policies) can point at `path:line:column`.
public struct LocatedValue: Sendable, Hashable {
    /// The shape of a node.
    public indirect enum Content: Sendable, Hashable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
        case array([LocatedValue])
        /// Keys in document order (duplicates are rejected while decoding).
        case object([Member])
    }

    /// One key of an object with the location of the key itself.
    public struct Member: Sendable, Hashable {
        /// The key.
        public var key: String
        /// Where the key is written.
        public var keyLocation: SourceLocation
        /// The value.
        public var value: LocatedValue
    }

    /// The node's content.
    public var content: Content
    /// Where the node starts.
    public var location: SourceLocation
    /// For string scalars: how it was written, so template positions can be mapped back to the file.
    public var scalarStyle: ScalarStyle

    /// How a string scalar is written in the file.
    public enum ScalarStyle: Sendable, Hashable {
        case plain, quoted, notScalar
        /// A literal or folded block; content lines start at this 1-based column.
        case block(contentColumn: Int)
    }

    /// Creates a value.
    public init(_ content: Content, at location: SourceLocation, style: ScalarStyle = .notScalar) {
        self.content = content
        self.location = location
        self.scalarStyle = style
    }

    /// The member value for `key` of an object, or nil.
    public subscript(key: String) -> LocatedValue? {
        guard case .object(let members) = content else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// The member entry (key and its location) for `key`, or nil.
    public func member(_ key: String) -> Member? {
        guard case .object(let members) = content else { return nil }
        return members.first { $0.key == key }
    }

    /// String content, or nil.
    public var string: String? { if case .string(let s) = content { return s }; return nil }
    /// Integer content (an integral double counts), or nil.
    public var int: Int? {
        switch content {
        case .int(let i): return i
        case .double(let d) where d == d.rounded() && abs(d) < 1e15: return Int(d)
        default: return nil
        }
    }
    /// Numeric content, or nil.
    public var double: Double? {
        switch content {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
    /// Boolean content, or nil.
    public var bool: Bool? { if case .bool(let b) = content { return b }; return nil }
    /// Array elements, or nil.
    public var array: [LocatedValue]? { if case .array(let a) = content { return a }; return nil }
    /// Object members, or nil.
    public var members: [Member]? { if case .object(let m) = content { return m }; return nil }
    /// True for `null` / absent-in-YAML values.
    public var isNull: Bool { if case .null = content { return true }; return false }
}
