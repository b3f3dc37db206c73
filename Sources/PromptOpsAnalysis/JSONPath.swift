import Foundation

/// The JSONPath subset a `web` metric uses to pick its number: `$`, `.key`, `[n]`, `['key']`
/// and `["key"]`, chained (`$.data.scores[0].value`, `$['p95 latency']`).
public struct JSONPath: Sendable, Equatable, CustomStringConvertible {
    /// One step of a path.
    public enum Component: Sendable, Equatable {
        /// An object member.
        case key(String)
        /// An array item (0-based; negative counts from the end).
        case index(Int)
    }

    /// Why a path expression was refused.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        /// The expression.
        public var expression: String
        /// What is wrong.
        public var reason: String
        /// A sentence for people.
        public var description: String { "invalid JSONPath \"\(expression)\": \(reason)" }
    }

    /// The expression as written.
    public let expression: String
    /// The steps after `$`.
    public let components: [Component]

    /// Parses `expression`.
    /// - Throws: ``SyntaxError`` naming the problem (no leading `$`, an unclosed bracket, ...).
    public init(_ expression: String) throws(SyntaxError) {
        self.expression = expression
        func fail(_ reason: String) -> SyntaxError { SyntaxError(expression: expression, reason: reason) }
        let chars = Array(expression.trimmingCharacters(in: .whitespaces))
        guard chars.first == "$" else { throw fail("it must start with $") }
        var components: [Component] = []
        var i = 1
        while i < chars.count {
            switch chars[i] {
            case ".":
                i += 1
                let start = i
                while i < chars.count, chars[i] != ".", chars[i] != "[" { i += 1 }
                guard i > start else { throw fail("empty member name at offset \(start)") }
                components.append(.key(String(chars[start..<i])))
            case "[":
                i += 1
                guard i < chars.count else { throw fail("unclosed [") }
                if chars[i] == "'" || chars[i] == "\"" {
                    let quote = chars[i]
                    i += 1
                    let start = i
                    while i < chars.count, chars[i] != quote { i += 1 }
                    guard i + 1 < chars.count, chars[i + 1] == "]" else { throw fail("unclosed quoted member") }
                    components.append(.key(String(chars[start..<i])))
                    i += 2
                } else {
                    let start = i
                    while i < chars.count, chars[i] != "]" { i += 1 }
                    guard i < chars.count else { throw fail("unclosed [") }
                    guard let index = Int(String(chars[start..<i]).trimmingCharacters(in: .whitespaces)) else {
                        throw fail("\"\(String(chars[start..<i]))\" is not an array index (filters and wildcards are not supported)")
                    }
                    components.append(.index(index))
                    i += 1
                }
            default:
                throw fail("unexpected \"\(chars[i])\" at offset \(i)")
            }
        }
        self.components = components
    }

    /// The value the path names in `document`; nil when a step is missing.
    public func select(in document: JSONValue) -> JSONValue? {
        var current = document
        for component in components {
            switch (component, current) {
            case (.key(let key), .object(let members)):
                guard let next = members[key] else { return nil }
                current = next
            case (.index(let index), .array(let items)):
                let resolved = index < 0 ? items.count + index : index
                guard items.indices.contains(resolved) else { return nil }
                current = items[resolved]
            default:
                return nil
            }
        }
        return current
    }

    /// The expression as written.
    public var description: String { expression }
}
