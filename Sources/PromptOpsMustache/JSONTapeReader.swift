/// Reads a JSON document into a ``JSONTape``, or refuses it (nil) when it is not JSON or
/// lies outside the tape's subset. It follows the server's full reader (JSONInput) rule for
/// rule on everything it accepts: the same numbers (an integer that does not fit `Int` is a
/// `Double`), the same escapes and the same UTF-8 check.
struct JSONTapeReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var tape: JSONTape
    /// Members of the objects being read, innermost last; moved to the tape when one ends.
    private var openMembers: [JSONTape.Member] = []
    /// Items of the arrays being read, likewise.
    private var openItems: [Int32] = []

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        // Strings without escapes are read where they lie in this copy of the document.
        tape = JSONTape(text: Array(bytes))
        // Room for a typical document's nodes up front (a value takes at least 2 bytes of
        // text, a member at least 4, usually far more): growing these arrays as they fill
        // was a visible part of reading a render body.
        tape.nodes.reserveCapacity(min(bytes.count / 8 + 4, 4096))
        tape.members.reserveCapacity(min(bytes.count / 24 + 4, 1024))
        tape.items.reserveCapacity(min(bytes.count / 32 + 4, 1024))
        openMembers.reserveCapacity(16)
    }

    mutating func skipSpace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
            index += 1
        }
    }

    private mutating func add(_ kind: JSONTape.Kind, start: Int = 0, count: Int = 0, scalar: Int64 = 0) -> Int32 {
        tape.nodes.append(JSONTape.Node(kind: kind, start: Int32(start), count: Int32(count), scalar: scalar))
        return Int32(tape.nodes.count - 1)
    }

    mutating func value(depth: Int) -> Int32? {
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "{"): return object(depth: depth + 1)
        case UInt8(ascii: "["): return array(depth: depth + 1)
        case UInt8(ascii: "\""): return string()
        case UInt8(ascii: "t"): return literal("true") ? add(.bool, scalar: 1) : nil
        case UInt8(ascii: "f"): return literal("false") ? add(.bool, scalar: 0) : nil
        case UInt8(ascii: "n"): return literal("null") ? add(.null) : nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return nil
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] { return false }
        index += count
        return true
    }

    private mutating func object(depth: Int) -> Int32? {
        guard depth <= JSONTape.maximumDepth else { return nil }
        index += 1
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return add(.object, start: tape.members.count)
        }
        let base = openMembers.count
        while true {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            index += 1
            let nameStart = index
            // Names are plain ASCII here: compared byte by byte, they compare as `String`s do.
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { return nil }
                index += 1
            }
            guard index < bytes.count else { return nil }
            let nameCount = index - nameStart
            index += 1
            guard openMembers.count - base < JSONTape.maximumMembers else { return nil }
            for position in base..<openMembers.count where Int(openMembers[position].nameCount) == nameCount {
                let other = Int(openMembers[position].nameStart)
                if (0..<nameCount).allSatisfy({ bytes[other + $0] == bytes[nameStart + $0] }) { return nil }
            }
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
            index += 1
            skipSpace()
            guard let member = value(depth: depth) else { return nil }
            openMembers.append(JSONTape.Member(nameStart: Int32(nameStart), nameCount: Int32(nameCount), value: member))
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; break }
            return nil
        }
        let start = tape.members.count
        tape.members.append(contentsOf: openMembers[base...])
        openMembers.removeSubrange(base...)
        return add(.object, start: start, count: tape.members.count - start)
    }

    private mutating func array(depth: Int) -> Int32? {
        guard depth <= JSONTape.maximumDepth else { return nil }
        index += 1
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return add(.array, start: tape.items.count)
        }
        let base = openItems.count
        while true {
            skipSpace()
            guard let item = value(depth: depth) else { return nil }
            openItems.append(item)
            skipSpace()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; break }
            return nil
        }
        let start = tape.items.count
        tape.items.append(contentsOf: openItems[base...])
        openItems.removeSubrange(base...)
        return add(.array, start: start, count: tape.items.count - start)
    }

    private mutating func number() -> Int32? {
        let start = index
        var isInteger = true
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { return nil }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { return nil }
        } else {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { return nil }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { return nil }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if isInteger, let int = integer(from: start, to: index) { return add(.int, scalar: Int64(int)) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else { return nil }
        return add(.double, scalar: Int64(bitPattern: double.bitPattern))
    }

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

    /// A string node: a run without escapes stays where it lies in the tape's copy of the
    /// document; one with escapes is decoded onto the end of the tape's text.
    private mutating func string() -> Int32? {
        index += 1
        let start = index
        var highBits: UInt8 = 0
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"), bytes[index] >= 0x20 {
            highBits |= bytes[index]
            index += 1
        }
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "\"") {
            let run = UnsafeBufferPointer(rebasing: bytes[start..<index])
            index += 1
            if highBits >= 0x80, !Self.isValidUTF8(run) { return nil }
            return add(.string, start: start, count: run.count)
        }
        var utf8 = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while bytes[index] != UInt8(ascii: "\"") {
            let byte = bytes[index]
            if byte < 0x20 { return nil }
            if byte == UInt8(ascii: "\\") {
                guard escape(into: &utf8) else { return nil }
            } else {
                utf8.append(byte)
                index += 1
            }
            guard index < bytes.count else { return nil }
        }
        index += 1
        guard utf8.withUnsafeBufferPointer({ Self.isValidUTF8($0) }) else { return nil }
        let textStart = tape.text.count
        tape.text.append(contentsOf: utf8)
        return add(.string, start: textStart, count: utf8.count)
    }

    /// Whether `utf8` is valid UTF-8 (decoding replaces invalid sequences, so a valid input reads back unchanged).
    private static func isValidUTF8(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        String(decoding: utf8, as: UTF8.self).utf8.elementsEqual(utf8)
    }

    private mutating func escape(into utf8: inout [UInt8]) -> Bool {
        index += 1
        guard index < bytes.count else { return false }
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
            guard var scalar = hex4() else { return false }
            if (0xD800..<0xDC00).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { return false }
                index += 2
                guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return false }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                return false
            }
            guard let unicode = Unicode.Scalar(scalar) else { return false }
            utf8.append(contentsOf: String(Character(unicode)).utf8)
        default:
            return false
        }
        return true
    }

    private mutating func hex4() -> UInt32? {
        guard index + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: return nil
            }
            value = value * 16 + digit
            index += 1
        }
        return value
    }
}
