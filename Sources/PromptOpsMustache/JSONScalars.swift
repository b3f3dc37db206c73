/// JSON's numbers, escapes and UTF-8 check, read one way for both readers of request bodies:
/// the server's full reader (`JSONInput`, errors with offsets) and ``JSONTape``'s, so that
/// whatever the tape accepts it reads as the full reader does.
public enum JSONScalars {
    /// Why the bytes at `offset` are not JSON.
    public struct Malformed: Error, Equatable {
        public var offset: Int
        public var message: String
    }

    /// The number starting at `index` (a `-` or a digit), with `index` moved past it: an
    /// integer when it has no fraction or exponent and fits an `Int`, otherwise a double.
    public static func number(in bytes: UnsafeBufferPointer<UInt8>, at index: inout Int) throws(Malformed) -> MustacheValue {
        func failure(_ message: String) -> Malformed { Malformed(offset: index, message: message) }
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
        if isInteger, let int = integer(bytes, from: start, to: index) { return .int(int) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else { throw Malformed(offset: start, message: "number out of range") }
        return .double(double)
    }

    /// The integer spelled by `bytes[start..<end]` (an optional '-' then digits, already
    /// checked), or nil when it does not fit an `Int`.
    private static func integer(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
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

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Decodes the escape at `index` (a backslash) onto `utf8`, moving `index` past it; a
    /// `\u` high surrogate takes its low half with it.
    public static func escape(in bytes: UnsafeBufferPointer<UInt8>, at index: inout Int, into utf8: inout [UInt8]) throws(Malformed) {
        func failure(_ message: String) -> Malformed { Malformed(offset: index, message: message) }
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
            var scalar = try hex4(bytes, at: &index)
            if (0xD800..<0xDC00).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                    throw failure("unpaired surrogate")
                }
                index += 2
                let low = try hex4(bytes, at: &index)
                guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw failure("unpaired surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
            utf8.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw Malformed(offset: index - 1, message: "invalid escape")
        }
    }

    private static func hex4(_ bytes: UnsafeBufferPointer<UInt8>, at index: inout Int) throws(Malformed) -> UInt32 {
        guard index + 4 <= bytes.count else { throw Malformed(offset: index, message: "expected four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw Malformed(offset: index, message: "expected four hex digits")
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }

    /// The string `utf8` spells, or nil when it is not valid UTF-8 (decoding replaces invalid
    /// sequences, so a valid input reads back unchanged).
    public static func validString(_ utf8: UnsafeBufferPointer<UInt8>) -> String? {
        let text = String(decoding: utf8, as: UTF8.self)
        return text.utf8.elementsEqual(utf8) ? text : nil
    }
}
