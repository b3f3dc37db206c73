import PromptOpsCore

/// Parses a request body into a ``TemplateValue`` tree: integers stay `.int` (the contract
/// tells `integer` from `number`), duplicate keys and trailing data are refused, and nesting
/// is bounded so a hostile body cannot exhaust the stack.
struct JSONInput {
    /// Why a body is not acceptable JSON, with the byte offset.
    struct Failure: Error, Equatable, CustomStringConvertible {
        var offset: Int
        var message: String
        var description: String { "invalid JSON at byte \(offset): \(message)" }

        init(offset: Int, message: String) {
            self.offset = offset
            self.message = message
        }

        init(_ malformed: JSONScalars.Malformed) {
            self.init(offset: malformed.offset, message: malformed.message)
        }
    }

    /// The deepest nesting accepted.
    static let maxDepth = 64

    /// The body, borrowed for the parse: reading it through a buffer pointer takes no
    /// reference count per string slice (slices of an `Array` did: 4 % of a render's CPU in
    /// a profile, with the array's bounds checks).
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    /// Parses `bytes` as one JSON value.
    static func parse(_ bytes: [UInt8]) throws(Failure) -> TemplateValue {
        try bytes.withUnsafeBufferPointer { buffer throws(Failure) in try parse(buffer) }
    }

    /// Parses `bytes` as one JSON value.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(Failure) -> TemplateValue {
        var parser = JSONInput(bytes: bytes)
        parser.skipSpace()
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw parser.failure("unexpected data after the value") }
        return value
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    private func failure(_ message: String) -> Failure { Failure(offset: index, message: message) }

    private mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private mutating func value(depth: Int) throws(Failure) -> TemplateValue {
        guard index < bytes.count else { throw failure("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw failure("expected a value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw failure("expected \(word)") }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] { throw failure("expected \(word)") }
        index += count
    }

    private mutating func object(depth: Int) throws(Failure) -> TemplateValue {
        guard depth <= Self.maxDepth else { throw failure("nested deeper than \(Self.maxDepth) levels") }
        index += 1
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(MustacheObject()) }
        // Members go straight into the object's own storage (an array: growing it moves the
        // members, nothing is rehashed). Nothing is reserved ahead: a hostile body of many tiny
        // containers would otherwise cost reserved room per container (~45x its bytes at 8).
        // A key seen before in the same object is refused when the object ends, so a syntax
        // error later inside it is reported first (the body is refused either way); the first
        // repeated key is the one named.
        var members: [MustacheObject.Element] = []
        var duplicate: Failure?
        // Few members (the usual case) are compared with each other, no key hashed; from
        // MustacheObject.indexedFrom on, the names seen are kept in a set.
        var seen: Set<String>?
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a member name in quotes") }
            let keyOffset = index
            let key = try string()
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("expected ':' after a member name") }
            index += 1
            skipSpace()
            let member = try value(depth: depth)
            if duplicate == nil {
                if members.count == MustacheObject.indexedFrom { seen = Set(members.lazy.map(\.key)) }
                let repeated = seen != nil ? !seen!.insert(key).inserted : members.contains { $0.key == key }
                if repeated { duplicate = Failure(offset: keyOffset, message: "duplicate key '\(key)'") }
            }
            members.append((key: key, value: member))
            skipSpace()
            guard index < bytes.count else { throw failure("unexpected end of input in an object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; break }
            throw failure("expected ',' or '}'")
        }
        if let duplicate { throw duplicate }
        return .object(MustacheObject(uniqueMembers: members))
    }

    private mutating func array(depth: Int) throws(Failure) -> TemplateValue {
        guard depth <= Self.maxDepth else { throw failure("nested deeper than \(Self.maxDepth) levels") }
        index += 1
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array([]) }
        var items: [TemplateValue] = []
        while true {
            skipSpace()
            items.append(try value(depth: depth))
            skipSpace()
            guard index < bytes.count else { throw failure("unexpected end of input in an array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw failure("expected ',' or ']'")
        }
    }

    private mutating func number() throws(Failure) -> TemplateValue {
        do { return try JSONScalars.number(in: bytes, at: &index) } catch { throw Failure(error) }
    }

    private mutating func string() throws(Failure) -> String {
        index += 1
        let start = index
        // Fast path: a run without escapes is the string itself; when it is ASCII (the usual
        // case) it needs no UTF-8 check either.
        var highBits: UInt8 = 0
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 {
            highBits |= bytes[index]
            index += 1
        }
        guard index < bytes.count else { throw failure("unterminated string") }
        if bytes[index] == UInt8(ascii: "\"") {
            let run = UnsafeBufferPointer(rebasing: bytes[start..<index])
            index += 1
            return highBits < 0x80 ? String(decoding: run, as: UTF8.self) : try Self.validated(run, at: start)
        }
        var utf8 = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while bytes[index] != UInt8(ascii: "\"") {
            let byte = bytes[index]
            if byte < 0x20 { throw failure("control character in a string (escape it)") }
            if byte == UInt8(ascii: "\\") {
                do { try JSONScalars.escape(in: bytes, at: &index, into: &utf8) } catch { throw Failure(error) }
            } else {
                utf8.append(byte)
                index += 1
            }
            guard index < bytes.count else { throw failure("unterminated string") }
        }
        index += 1
        return try utf8.withUnsafeBufferPointer { buffer throws(Failure) in try Self.validated(buffer, at: start) }
    }

    /// The string of `utf8`, refused when it is not valid UTF-8.
    private static func validated(_ utf8: UnsafeBufferPointer<UInt8>, at offset: Int) throws(Failure) -> String {
        guard let text = JSONScalars.validString(utf8) else { throw Failure(offset: offset, message: "string is not valid UTF-8") }
        return text
    }
}
