import Foundation

/// Writes JSON straight into bytes: the response shapes are fixed and small, and this keeps
/// Foundation's `JSONEncoder` (reflection, boxing) off the hot paths.
///
/// Commas are placed automatically: call ``key(_:)`` before each member value and the value
/// methods in order; ``raw(_:)`` splices JSON that is already valid (a stored spec).
struct JSONWriter {
    /// The output so far.
    private(set) var bytes: [UInt8] = []
    /// Whether the next member or element needs a comma first.
    private var needsComma = false

    /// Creates an empty writer with room for `capacity` bytes.
    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Opens an object.
    mutating func objectStart() { separate(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    /// Closes an object.
    mutating func objectEnd() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    /// Opens an array.
    mutating func arrayStart() { separate(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    /// Closes an array.
    mutating func arrayEnd() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// Writes a member name; the next value call writes its value.
    mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// A string value.
    mutating func string(_ value: String) { separate(); appendQuoted(value); needsComma = true }
    /// A string given as UTF-8 bytes (valid UTF-8; escaped like a `String`).
    mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(utf8)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }
    /// A string value, or `null`.
    mutating func string(_ value: String?) { if let value { string(value) } else { null() } }
    /// An integer value.
    mutating func int<I: BinaryInteger>(_ value: I) { separate(); bytes.append(contentsOf: String(value).utf8); needsComma = true }
    /// An integer value, or `null`.
    mutating func int<I: BinaryInteger>(_ value: I?) { if let value { int(value) } else { null() } }
    /// A number; non-finite numbers have no JSON form and become `null`.
    mutating func double(_ value: Double) {
        guard value.isFinite else { return null() }
        separate()
        bytes.append(contentsOf: value.description.utf8)
        needsComma = true
    }
    /// A boolean value.
    mutating func bool(_ value: Bool) { separate(); bytes.append(contentsOf: (value ? "true" : "false").utf8); needsComma = true }
    /// `null`.
    mutating func null() { separate(); bytes.append(contentsOf: "null".utf8); needsComma = true }
    /// A time as UTC ISO 8601 with milliseconds, or `null`.
    mutating func date(_ value: Date?) {
        guard let value else { return null() }
        string(value.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
    }
    /// JSON text that is already valid, spliced as one value.
    mutating func raw(_ json: String) { separate(); bytes.append(contentsOf: json.utf8); needsComma = true }
    /// JSON bytes that are already valid, spliced as one value.
    mutating func raw(_ json: [UInt8]) { separate(); bytes.append(contentsOf: json); needsComma = true }

    /// Convenience: `key` then a string value.
    mutating func member(_ name: String, _ value: String?) { key(name); string(value) }
    /// Convenience: `key` then an integer value.
    mutating func member<I: BinaryInteger>(_ name: String, _ value: I?) { key(name); int(value) }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A quoted string with the escapes RFC 8259 requires (quote, backslash, controls).
    private mutating func appendQuoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { appendEscaped($0) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Copies runs of bytes that need no escape in one go (most of a rendered prompt), and
    /// looks for the bytes that do eight at a time.
    ///
    /// Why hand-written: a byte-by-byte scan was 5.5 % of a render answer's CPU in a `perf`
    /// profile (`hack/bench/http`, render of a ~2.6 KB answer); the word-wise test is exact
    /// (it is zero iff no byte of the word is a control, a quote or a backslash) and only a
    /// word that has one is looked at byte by byte.
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        var i = 0
        let count = utf8.count
        let raw = UnsafeRawBufferPointer(utf8)
        while i < count {
            if i + 8 <= count, !Self.needsEscape(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) {
                i += 8
                continue
            }
            let end = min(i + 8, count)
            while i < end {
                let byte = utf8[i]
                i += 1
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < i - 1 { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<(i - 1)])) }
                runStart = i
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                default:
                    bytes.append(contentsOf: "u00".utf8)
                    bytes.append(Self.hex[Int(byte >> 4)])
                    bytes.append(Self.hex[Int(byte & 0x0F)])
                }
            }
        }
        if runStart < count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether any byte of `word` is below 0x20, a quote or a backslash.
    @inline(__always)
    private static func needsEscape(_ word: UInt64) -> Bool {
        // "Has a byte less than n" and "has a zero byte" (Bit Twiddling Hacks): exact as a
        // whole-word answer.
        let control = (word &- ones &* 0x20) & ~word & highs
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroQuote = (quote &- ones) & ~quote & highs
        let zeroBackslash = (backslash &- ones) & ~backslash & highs
        return control | zeroQuote | zeroBackslash != 0
    }
}
