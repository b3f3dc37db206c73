/// A deterministic JSON form: object keys sorted by their UTF-8 bytes, no insignificant
/// whitespace, integers as integers. The same content always gives the same bytes, whatever
/// the key order or formatting in the YAML.
public enum CanonicalJSON {
    /// The canonical JSON of a located YAML value.
    public static func encode(_ value: LocatedValue) -> String {
        var out = ""
        write(value.templateValue, into: &out)
        return out
    }

    /// The canonical JSON of a template value.
    public static func encode(_ value: TemplateValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    /// A JSON string literal for `key`.
    public static func encodeKey(_ key: String) -> String {
        var out = ""
        writeString(key, into: &out)
        return out
    }

    static func write(_ value: TemplateValue, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isNaN || d.isInfinite { out += "null" }
            else if d == d.rounded() && abs(d) < 1e15 { out += String(Int(d)) }
            else { out += String(d) }
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (i, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if i > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                write(members[key]!, into: &out)
            }
            out += "}"
        }
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
