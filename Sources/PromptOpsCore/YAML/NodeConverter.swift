import Yams

/// Converts a composed Yams node into a ``LocatedValue``, resolving plain scalars with
/// the YAML 1.2 core schema (so `no` stays a string) and counting every node visited,
/// which bounds alias expansion.
struct NodeConverter {
    let path: String
    let limits: ManifestLimits
    let sourceLines: SourceLines?
    var visited = 0
    var diagnostics: [Diagnostic] = []
    private var stopped = false

    init(path: String, limits: ManifestLimits, sourceLines: SourceLines?) {
        self.path = path
        self.limits = limits
        self.sourceLines = sourceLines
    }

    private func location(_ mark: Mark?) -> SourceLocation {
        SourceLocation(path: path, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    mutating func convert(_ node: Node, depth: Int) -> LocatedValue? {
        if stopped { return nil }
        visited += 1
        if visited > limits.maxNodesPerDocument {
            stopped = true
            diagnostics.append(Diagnostic(.error, at: location(node.mark),
                "document expands to more than \(limits.maxNodesPerDocument) nodes (aliases included); this looks like an alias bomb"))
            return nil
        }
        if depth > limits.maxDepth {
            stopped = true
            diagnostics.append(Diagnostic(.error, at: location(node.mark),
                "YAML nesting is deeper than \(limits.maxDepth) levels; manifests are limited to that depth"))
            return nil
        }
        switch node {
        case .scalar(let scalar):
            var value = Self.scalarValue(scalar, at: location(scalar.mark))
            if case .block = value.scalarStyle {
                value.scalarStyle = .block(contentColumn: blockContentColumn(afterLine: scalar.mark?.line ?? 1))
            }
            return value
        case .sequence(let sequence):
            var items: [LocatedValue] = []
            items.reserveCapacity(sequence.count)
            for child in sequence {
                guard let value = convert(child, depth: depth + 1) else { return nil }
                items.append(value)
            }
            return LocatedValue(.array(items), at: location(sequence.mark))
        case .mapping(let mapping):
            var members: [LocatedValue.Member] = []
            members.reserveCapacity(mapping.count)
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    diagnostics.append(Diagnostic(.error, at: location(key.mark),
                        "mapping keys must be plain strings, not collections"))
                    continue
                }
                if keyScalar.string == "<<" && keyScalar.style == .plain {
                    diagnostics.append(Diagnostic(.error, at: location(key.mark),
                        "YAML merge keys (<<) are not supported in manifests; write the fields out"))
                    continue
                }
                guard let converted = convert(value, depth: depth + 1) else { return nil }
                members.append(.init(key: keyScalar.string, keyLocation: location(keyScalar.mark), value: converted))
            }
            return LocatedValue(.object(members), at: location(mapping.mark))
        case .alias(let alias):
            diagnostics.append(Diagnostic(.error, at: location(alias.mark), "unresolved YAML alias"))
            return nil
        }
    }

    /// The column where a block scalar's content starts: the indentation of the first
    /// non-blank line after the indicator line.
    func blockContentColumn(afterLine line: Int) -> Int {
        sourceLines?.firstIndentedColumn(after: line) ?? 1
    }

    /// YAML 1.2 core schema resolution of a scalar.
    static func scalarValue(_ scalar: Node.Scalar, at location: SourceLocation) -> LocatedValue {
        let s = scalar.string
        switch scalar.style {
        case .literal, .folded:
            return LocatedValue(.string(s), at: location, style: .block(contentColumn: 1))
        case .singleQuoted, .doubleQuoted:
            return LocatedValue(.string(s), at: location, style: .quoted)
        default:
            break
        }
        switch s {
        case "", "~", "null", "Null", "NULL": return LocatedValue(.null, at: location, style: .plain)
        case "true", "True", "TRUE": return LocatedValue(.bool(true), at: location, style: .plain)
        case "false", "False", "FALSE": return LocatedValue(.bool(false), at: location, style: .plain)
        default: break
        }
        if let first = s.utf8.first, first == 0x2D || first == 0x2B || first == 0x2E || (0x30...0x39).contains(first) {
            if let i = Int(s) { return LocatedValue(.int(i), at: location, style: .plain) }
            if s.hasPrefix("0x"), let i = Int(s.dropFirst(2), radix: 16) { return LocatedValue(.int(i), at: location, style: .plain) }
            if s.hasPrefix("0o"), let i = Int(s.dropFirst(2), radix: 8) { return LocatedValue(.int(i), at: location, style: .plain) }
            if s.allSatisfy({ "0123456789+-.eE".contains($0) }), let d = Double(s) {
                return LocatedValue(.double(d), at: location, style: .plain)
            }
            switch s {
            case ".inf", "+.inf", ".Inf", ".INF": return LocatedValue(.double(.infinity), at: location, style: .plain)
            case "-.inf", "-.Inf", "-.INF": return LocatedValue(.double(-.infinity), at: location, style: .plain)
            case ".nan", ".NaN", ".NAN": return LocatedValue(.double(.nan), at: location, style: .plain)
            default: break
            }
        }
        return LocatedValue(.string(s), at: location, style: .plain)
    }
}
