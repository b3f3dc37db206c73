/// A deterministic JSON form: object keys sorted by their UTF-8 bytes, no insignificant
/// whitespace, integers as integers. The same content always gives the same bytes, whatever
/// the key order or formatting in the YAML.
///
/// Version hashes are computed over these bytes, so the output must never change for the
/// same content (a stored version would otherwise look changed after an upgrade).
public enum CanonicalJSON {
    /// The canonical JSON of a located YAML value.
    public static func encode(_ value: LocatedValue) -> String {
        var out = Bytes()
        out.write(value)
        return out.string
    }

    /// The canonical JSON of a template value.
    public static func encode(_ value: TemplateValue) -> String {
        var out = Bytes()
        out.write(value)
        return out.string
    }

    /// A JSON string literal for `key`.
    public static func encodeKey(_ key: String) -> String {
        var out = Bytes()
        out.writeString(key)
        return out.string
    }

    /// How a double is written: a whole number below 10^15 as an integer, a non-finite one
    /// as null, any other as itself.
    static func number(_ d: Double) -> TemplateValue {
        if d.isNaN || d.isInfinite { return .null }
        if d == d.rounded() && abs(d) < 1e15 { return .int(Int(d)) }
        return .double(d)
    }

    /// The output buffer: UTF-8 bytes, turned into a String once at the end.
    struct Bytes {
        var bytes: [UInt8] = []

        init() { bytes.reserveCapacity(512) }

        var string: String { String(decoding: bytes, as: UTF8.self) }

        mutating func append(_ text: StaticString) {
            text.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        mutating func write(_ value: LocatedValue) {
            switch value.content {
            case .null: append("null")
            case .bool(let b): append(b ? "true" : "false")
            case .int(let i): writeInt(i)
            case .double(let d): writeDouble(d)
            case .string(let s): writeString(s)
            case .array(let items): writeArray(items) { $0.write($1) }
            case .object(let members): writeObject(Self.canonicalOrder(members).map { ($0.key, $0.value) }) { $0.write($1) }
            }
        }

        mutating func write(_ value: TemplateValue) {
            switch value {
            case .null: append("null")
            case .bool(let b): append(b ? "true" : "false")
            case .int(let i): writeInt(i)
            case .double(let d): writeDouble(d)
            case .string(let s): writeString(s)
            case .array(let items): writeArray(items) { $0.write($1) }
            case .object(let members):
                let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                writeObject(keys.map { ($0, members[$0]!) }) { $0.write($1) }
            }
        }

        /// Object members sorted by key; a key written twice (YAML refuses exact repeats, but
        /// `1:` and `"1":` both become "1") keeps its last value, as a JSON object would.
        static func canonicalOrder(_ members: [LocatedValue.Member]) -> [LocatedValue.Member] {
            guard members.count > 1 else { return members }
            let sorted = members.enumerated().sorted {
                $0.element.key == $1.element.key ? $0.offset < $1.offset
                    : $0.element.key.utf8.lexicographicallyPrecedes($1.element.key.utf8)
            }
            var unique: [LocatedValue.Member] = []
            unique.reserveCapacity(sorted.count)
            for (_, member) in sorted {
                if unique.last?.key == member.key { unique[unique.count - 1] = member } else { unique.append(member) }
            }
            return unique
        }

        mutating func writeArray<T>(_ items: [T], _ element: (inout Bytes, T) -> Void) {
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                element(&self, item)
            }
            bytes.append(UInt8(ascii: "]"))
        }

        /// `pairs` in output order.
        mutating func writeObject<T>(_ pairs: [(String, T)], _ element: (inout Bytes, T) -> Void) {
            bytes.append(UInt8(ascii: "{"))
            for (i, (key, value)) in pairs.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(key)
                bytes.append(UInt8(ascii: ":"))
                element(&self, value)
            }
            bytes.append(UInt8(ascii: "}"))
        }

        mutating func writeInt(_ i: Int) {
            bytes.append(contentsOf: String(i).utf8)
        }

        mutating func writeDouble(_ d: Double) {
            switch CanonicalJSON.number(d) {
            case .null: append("null")
            case .int(let i): writeInt(i)
            default: bytes.append(contentsOf: String(d).utf8)
            }
        }

        /// A string literal: `"` and `\` escaped, control characters as `\n`, `\r`, `\t`
        /// or `\u00xx`; every other byte (multi-byte UTF-8 included) copied as is.
        mutating func writeString(_ s: String) {
            bytes.append(UInt8(ascii: "\""))
            var s = s
            s.withUTF8 { utf8 in
                var start = 0
                for (i, byte) in utf8.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                    if start < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i])) }
                    start = i + 1
                    switch byte {
                    case 0x22: append("\\\"")
                    case 0x5C: append("\\\\")
                    case 0x0A: append("\\n")
                    case 0x0D: append("\\r")
                    case 0x09: append("\\t")
                    default:
                        let hex: [UInt8] = Array("0123456789abcdef".utf8)
                        append("\\u00")
                        bytes.append(hex[Int(byte >> 4)])
                        bytes.append(hex[Int(byte & 0x0F)])
                    }
                }
                if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }
}
