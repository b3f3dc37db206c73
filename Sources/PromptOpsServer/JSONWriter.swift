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

    /// Copies runs of bytes that need no escape in one go (most of a rendered prompt).
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var runStart = 0
        for i in 0..<utf8.count {
            let byte = utf8[i]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
            runStart = i + 1
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
        if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...])) }
    }
}
