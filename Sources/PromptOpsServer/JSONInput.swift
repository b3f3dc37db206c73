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
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected a digit") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw failure("leading zeros are not allowed") }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected a digit after '.'") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("expected a digit in the exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        // An integer too large for Int is still a number, as a double.
        if isInteger, let int = integer(from: start, to: index) { return .int(int) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else { throw Failure(offset: start, message: "number out of range") }
        return .double(double)
    }

    /// The integer spelled by `bytes[start..<end]` (an optional '-' then digits, already
    /// checked), or nil when it does not fit an `Int`.
    private func integer(from start: Int, to end: Int) -> Int? {
        let negative = bytes[start] == UInt8(ascii: "-")
        var magnitude: UInt = 0
        for position in (negative ? start + 1 : start)..<end {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt(bytes[position] &- UInt8(ascii: "0")))
            if overflow1 || overflow2 { return nil }
            magnitude = sum
        }
        if negative { return magnitude <= UInt(Int.max) + 1 ? Int(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt(Int.max) ? Int(magnitude) : nil
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

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
                try escape(into: &utf8)
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
        let text = String(decoding: utf8, as: UTF8.self)
        // Decoding replaces invalid sequences, so a valid input reads back unchanged.
        guard text.utf8.elementsEqual(utf8) else { throw Failure(offset: offset, message: "string is not valid UTF-8") }
        return text
    }

    private mutating func escape(into utf8: inout [UInt8]) throws(Failure) {
        index += 1
        guard index < bytes.count else { throw failure("unterminated escape") }
        let code = bytes[index]
        index += 1
        switch code {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(code)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw failure("unpaired surrogate")
                }
                index += 2
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw failure("unpaired surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
            utf8.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw Failure(offset: index - 1, message: "invalid escape")
        }
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("expected four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("expected four hex digits")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }
}
