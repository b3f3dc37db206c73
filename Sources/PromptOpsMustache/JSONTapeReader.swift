/// Reads a JSON document into a ``JSONTape``, or refuses it (nil) when it is not JSON or
/// lies outside the tape's subset. It reads numbers, escapes and UTF-8 with the server's full
/// reader (JSONInput) through ``JSONScalars``.
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
        switch try? JSONScalars.number(in: bytes, at: &index) {
        case .int(let int)?: return add(.int, scalar: Int64(int))
        case .double(let double)?: return add(.double, scalar: Int64(bitPattern: double.bitPattern))
        default: return nil
        }
    }

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
            if highBits >= 0x80, JSONScalars.validString(run) == nil { return nil }
            return add(.string, start: start, count: run.count)
        }
        var utf8 = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while bytes[index] != UInt8(ascii: "\"") {
            let byte = bytes[index]
            if byte < 0x20 { return nil }
            if byte == UInt8(ascii: "\\") {
                do { try JSONScalars.escape(in: bytes, at: &index, into: &utf8) } catch { return nil }
            } else {
                utf8.append(byte)
                index += 1
            }
            guard index < bytes.count else { return nil }
        }
        index += 1
        guard utf8.withUnsafeBufferPointer({ JSONScalars.validString($0) }) != nil else { return nil }
        let textStart = tape.text.count
        tape.text.append(contentsOf: utf8)
        return add(.string, start: textStart, count: utf8.count)
    }
}
