/// A ``LocatedValue`` tree packed into one byte array: every node, key, string and position
/// kept, in under 16 bytes per node (the tree takes over a hundred). A controller holds every Deployment of a repository
/// between passes, and a Deployment keeps its whole document for the positions of its
/// problems; as a tree (a boxed node, a location with its path and a member array per node)
/// that was most of a Deployment's memory.
///
/// Why hand-written: no library packs this tree (it is ours); the encoding is a plain
/// pre-order walk — a tag byte (content kind and scalar style), the position as varints, then
/// the payload — and ``value`` rebuilds an equal tree (tested on random trees).
public final class PackedLocatedValue: Sendable {
    private let bytes: [UInt8]
    /// The distinct paths of the tree's locations (one, for a document read from one file).
    private let paths: [String]

    /// Packs a tree.
    public init(_ value: LocatedValue) {
        var writer = Writer()
        writer.node(value)
        // Copied to an array of exactly its size: the writer's grew by doubling.
        let written = writer.bytes
        bytes = [UInt8](unsafeUninitializedCapacity: written.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: written)
        }
        paths = writer.paths
    }

    /// A copy whose bytes and paths have storage of their own (see ``FreshStorage``); a path
    /// equal to `path` shares its storage.
    init(copying other: PackedLocatedValue, sharing path: String) {
        bytes = FreshStorage.array(other.bytes)
        paths = FreshStorage.array(other.paths.map { $0 == path ? path : FreshStorage.string($0) })
    }

    /// The tree again, equal to the one packed.
    public var value: LocatedValue {
        var reader = Reader(bytes: bytes, paths: paths)
        return reader.node()
    }

    /// The packed size in bytes (tests, measurements).
    public var byteCount: Int { bytes.count }

    private enum Kind: UInt8 {
        case null = 0, falseValue, trueValue, int, double, string, array, object
    }

    private enum Style: UInt8 {
        case plain = 0, quoted, notScalar, block
    }

    private struct Writer {
        var bytes: [UInt8] = []
        var paths: [String] = []
        private var pathIndex: [String: Int] = [:]

        init() {
            bytes.reserveCapacity(256)
        }

        mutating func node(_ value: LocatedValue) {
            let kind: Kind
            switch value.content {
            case .null: kind = .null
            case .bool(let b): kind = b ? .trueValue : .falseValue
            case .int: kind = .int
            case .double: kind = .double
            case .string: kind = .string
            case .array: kind = .array
            case .object: kind = .object
            }
            let style: Style
            var blockColumn = 0
            switch value.scalarStyle {
            case .plain: style = .plain
            case .quoted: style = .quoted
            case .notScalar: style = .notScalar
            case .block(let column): style = .block; blockColumn = column
            }
            bytes.append(kind.rawValue | style.rawValue << 4)
            if style == .block { signed(blockColumn) }
            location(value.location)
            switch value.content {
            case .null, .bool: break
            case .int(let i): signed(i)
            case .double(let d): unsigned(UInt(d.bitPattern))
            case .string(let s): string(s)
            case .array(let items):
                unsigned(UInt(items.count))
                for item in items { node(item) }
            case .object(let members):
                unsigned(UInt(members.count))
                for member in members {
                    string(member.key)
                    location(member.keyLocation)
                    node(member.value)
                }
            }
        }

        mutating func location(_ location: SourceLocation) {
            let index: Int
            if let known = pathIndex[location.path] {
                index = known
            } else {
                index = paths.count
                paths.append(location.path)
                pathIndex[location.path] = index
            }
            unsigned(UInt(index))
            signed(location.line)
            signed(location.column)
        }

        mutating func string(_ text: String) {
            unsigned(UInt(text.utf8.count))
            bytes.append(contentsOf: text.utf8)
        }

        /// Zigzag, so small negative numbers stay short.
        mutating func signed(_ value: Int) {
            unsigned(UInt(bitPattern: (value << 1) ^ (value >> (Int.bitWidth - 1))))
        }

        /// LEB128.
        mutating func unsigned(_ value: UInt) {
            var value = value
            while value >= 0x80 {
                bytes.append(UInt8(value & 0x7F) | 0x80)
                value >>= 7
            }
            bytes.append(UInt8(value))
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        let paths: [String]
        var index = 0

        mutating func node() -> LocatedValue {
            let tag = bytes[index]
            index += 1
            let kind = Kind(rawValue: tag & 0x0F) ?? .null
            let style: LocatedValue.ScalarStyle
            switch Style(rawValue: tag >> 4) ?? .notScalar {
            case .plain: style = .plain
            case .quoted: style = .quoted
            case .notScalar: style = .notScalar
            case .block: style = .block(contentColumn: signed())
            }
            let at = location()
            let content: LocatedValue.Content
            switch kind {
            case .null: content = .null
            case .falseValue: content = .bool(false)
            case .trueValue: content = .bool(true)
            case .int: content = .int(signed())
            case .double: content = .double(Double(bitPattern: UInt64(unsigned())))
            case .string: content = .string(string())
            case .array:
                let count = Int(unsigned())
                var items: [LocatedValue] = []
                items.reserveCapacity(count)
                for _ in 0..<count { items.append(node()) }
                content = .array(items)
            case .object:
                let count = Int(unsigned())
                var members: [LocatedValue.Member] = []
                members.reserveCapacity(count)
                for _ in 0..<count {
                    let key = string()
                    let keyLocation = location()
                    members.append(LocatedValue.Member(key: key, keyLocation: keyLocation, value: node()))
                }
                content = .object(members)
            }
            return LocatedValue(content, at: at, style: style)
        }

        mutating func location() -> SourceLocation {
            let path = paths[Int(unsigned())]
            let line = signed()
            return SourceLocation(path: path, line: line, column: signed())
        }

        mutating func string() -> String {
            let count = Int(unsigned())
            defer { index += count }
            return String(decoding: bytes[index..<(index + count)], as: UTF8.self)
        }

        mutating func signed() -> Int {
            let raw = unsigned()
            return Int(bitPattern: raw >> 1) ^ -Int(bitPattern: raw & 1)
        }

        mutating func unsigned() -> UInt {
            var value: UInt = 0, shift: UInt = 0
            while true {
                let byte = bytes[index]
                index += 1
                value |= UInt(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }
    }
}
