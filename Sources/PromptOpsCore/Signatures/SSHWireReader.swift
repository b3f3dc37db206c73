import Foundation

/// Why SSH wire-encoded bytes could not be read.
///
/// Every failure is a value: signatures arrive from commits anyone can push, so a hostile
/// length field must end in an error the caller reports, never in a trap or a huge allocation.
public enum SSHWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer bytes remain than the field needs (`needed` may come from a hostile length prefix).
    case truncated(needed: UInt64, remaining: Int)
    /// An `mpint` has its sign bit set; SSH keys and signatures only use positive integers.
    case negativeInteger
    /// An `mpint` is longer than the caller allows (its magnitude, in bytes).
    case integerTooLarge(bytes: Int, limit: Int)
    /// A `string` that should hold text is not valid UTF-8 (or holds a NUL byte).
    case invalidText
    /// Bytes are left after the last field of a structure that must end there.
    case trailingBytes(count: Int)

    /// A sentence for logs and rejection messages; it never quotes the bytes themselves.
    public var description: String {
        switch self {
        case let .truncated(needed, remaining):
            return "truncated data: a field needs \(needed) bytes but only \(remaining) remain"
        case .negativeInteger:
            return "negative integer where a positive one is required"
        case let .integerTooLarge(bytes, limit):
            return "integer of \(bytes) bytes exceeds the limit of \(limit) bytes"
        case .invalidText:
            return "text field is not valid UTF-8"
        case let .trailingBytes(count):
            return "\(count) unexpected trailing bytes"
        }
    }
}

/// A forward-only cursor over SSH wire encoding (RFC 4251 §5: `uint32`, `string`, `mpint`).
///
/// It copies the input once into an array so offsets are plain integers from zero, whatever
/// kind of `Data` slice the caller passes; every read checks the remaining count before it
/// touches memory, and compares lengths in 64-bit so a length near `UInt32.max` cannot overflow.
public struct SSHWireReader: Sendable {
    private let bytes: [UInt8]
    /// How many bytes have been consumed so far.
    public private(set) var offset: Int = 0

    /// Starts reading at the first byte of `data`.
    public init(_ data: some DataProtocol) {
        self.bytes = Array(data)
    }

    /// Bytes not yet consumed.
    public var remaining: Int { bytes.count - offset }

    /// True when every byte has been consumed.
    public var isAtEnd: Bool { remaining == 0 }

    /// Reads exactly `count` raw bytes (no length prefix), e.g. the `SSHSIG` magic.
    public mutating func readBytes(count: Int) throws(SSHWireError) -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw .truncated(needed: UInt64(max(count, 0)), remaining: remaining)
        }
        let slice = bytes[offset ..< offset + count]
        offset += count
        return Array(slice)
    }

    /// Reads a big-endian `uint32`.
    public mutating func readUInt32() throws(SSHWireError) -> UInt32 {
        let four = try readBytes(count: 4)
        return four.reduce(UInt32(0)) { ($0 << 8) | UInt32($1) }
    }

    /// Reads a `string`: a `uint32` length followed by that many bytes.
    ///
    /// The length is checked against what remains before anything is allocated, so a prefix
    /// of 0xFFFFFFFF on a ten-byte input is an error, not a four-gigabyte allocation.
    public mutating func readString() throws(SSHWireError) -> [UInt8] {
        let start = offset
        let length = try readUInt32()
        guard UInt64(length) <= UInt64(remaining) else {
            let left = remaining
            offset = start  // leave the cursor where the failed field began
            throw .truncated(needed: UInt64(length), remaining: left)
        }
        return try readBytes(count: Int(length))
    }

    /// Reads a `string` that must be UTF-8 text without NUL bytes (names, namespaces).
    ///
    /// OpenSSH reads these with `sshbuf_get_cstring`, which refuses embedded NULs; doing the
    /// same keeps "git\0evil" from comparing unequal here yet equal in C tools.
    public mutating func readText() throws(SSHWireError) -> String {
        let raw = try readString()
        guard !raw.contains(0), let text = String(validating: raw, as: UTF8.self) else {
            throw .invalidText
        }
        return text
    }

    /// Reads an `mpint` and returns its magnitude big-endian, with leading zero bytes removed.
    ///
    /// Negative values are refused as OpenSSH does. Leading zeros are tolerated (OpenSSH
    /// tolerates them too) and trimmed, so callers compare and re-encode canonical values.
    /// - Parameter maxBytes: the largest magnitude accepted, to bound later big-number work.
    public mutating func readMPInt(maxBytes: Int) throws(SSHWireError) -> [UInt8] {
        let raw = try readString()
        if let first = raw.first, first & 0x80 != 0 { throw .negativeInteger }
        let magnitude = Array(raw.drop(while: { $0 == 0 }))
        guard magnitude.count <= maxBytes else {
            throw .integerTooLarge(bytes: magnitude.count, limit: maxBytes)
        }
        return magnitude
    }

    /// Fails unless every byte has been consumed; structures in SSH keys and signatures must
    /// not carry trailing data (OpenSSH refuses it, and accepting it would let two different
    /// byte strings name one key).
    public func expectEnd() throws(SSHWireError) {
        guard isAtEnd else { throw .trailingBytes(count: remaining) }
    }
}

/// Builds SSH wire encoding; the inverse of ``SSHWireReader`` for the few fields we emit
/// (canonical key blobs, the SSHSIG signed-data preamble, and hostile inputs in tests).
struct SSHWireWriter: Sendable {
    /// The encoded bytes so far.
    private(set) var bytes: [UInt8] = []

    /// Appends raw bytes with no length prefix.
    mutating func appendRaw(_ raw: some Sequence<UInt8>) { bytes.append(contentsOf: raw) }

    /// Appends a big-endian `uint32`.
    mutating func appendUInt32(_ value: UInt32) {
        bytes.append(contentsOf: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) })
    }

    /// Appends a `string` (length-prefixed bytes).
    mutating func appendString(_ raw: some Collection<UInt8>) {
        appendUInt32(UInt32(raw.count))
        bytes.append(contentsOf: raw)
    }

    /// Appends text as a `string`.
    mutating func appendString(_ text: String) { appendString(Array(text.utf8)) }

    /// Appends a positive `mpint` in its minimal form: leading zeros dropped, and one zero
    /// byte added back when the top bit is set so the value does not read as negative.
    mutating func appendMPInt(magnitude: some Collection<UInt8>) {
        var minimal = Array(magnitude.drop(while: { $0 == 0 }))
        if let first = minimal.first, first & 0x80 != 0 { minimal.insert(0, at: 0) }
        appendString(minimal)
    }
}
