/// A request head read straight from a connection's bytes, for ``WireServingPath``: only the
/// plainest HTTP/1.1 `GET` and `POST`, and only the fields an answer on the event loop needs.
///
/// Strict on purpose: whatever is not plain — another method or version, a field this reader
/// does not take (`Transfer-Encoding`, `Expect`, `Upgrade`, `Connection` other than
/// `keep-alive`, `Proxy-Connection`), a field given twice, obs-fold, bare LF, bytes outside
/// visible ASCII, a field read here with trailing whitespace, a head (complete or not) over its
/// byte or field limit — is ``Parsed/other``, and the connection's bytes go, unchanged and
/// from that request on, to NIO's HTTP decoder and the router, which answer them as before
/// (400, 413, …). So this reader never has to agree with llhttp on anything unusual: it
/// accepts a subset of what llhttp accepts, and reads it the same way (tested on random
/// heads against NIO's decoder).
struct WireRequestHead: Equatable {
    enum Method: Equatable { case get, post }

    var method: Method
    /// The request target, as sent.
    var target: [UInt8]
    var authorization: String?
    var contentType: String?
    /// The declared body length (nil when there is no `Content-Length`).
    var contentLength: Int?
    /// The head's length in bytes, through its blank line.
    var length: Int

    enum Parsed: Equatable {
        /// Not all of the head has arrived.
        case incomplete
        case plain(WireRequestHead)
        /// Anything else: the router's.
        case other
    }

    /// The longest head read here, unless the server's own limit is lower (NIO's decoder takes
    /// up to the configured 32 KiB; a head this long is not an app's resolve).
    static let maximumBytes = 8 * 1024
    /// The most fields read here, unless the server's own limit is lower (the decoder's
    /// configured limit is 100).
    static let maximumFields = 64
    /// The longest `Content-Length` taken (digits), far above the body limit.
    static let maximumLengthDigits = 9

    private static let get = Array("GET ".utf8)
    private static let post = Array("POST ".utf8)
    private static let version = Array(" HTTP/1.1\r\n".utf8)

    /// Reads the head at the start of `bytes`, with at most `maximumBytes` bytes and
    /// `maximumFields` fields: a head still incomplete past the byte limit is ``Parsed/other``
    /// too, so what is buffered for an incomplete head stays bounded.
    static func parse(_ bytes: UnsafeRawBufferPointer, maximumBytes: Int = WireRequestHead.maximumBytes,
                      maximumFields: Int = WireRequestHead.maximumFields) -> Parsed {
        let parsed = read(bytes, maximumBytes: maximumBytes, maximumFields: maximumFields)
        if parsed == .incomplete, bytes.count > maximumBytes { return .other }
        return parsed
    }

    private static func read(_ bytes: UnsafeRawBufferPointer, maximumBytes: Int, maximumFields: Int) -> Parsed {
        let count = bytes.count
        // The method, or as much of it as arrived.
        let method: Method, methodLength: Int
        if bytes.starts(with: get.prefix(count)) {
            guard count >= get.count else { return .incomplete }
            method = .get
            methodLength = get.count
        } else if bytes.starts(with: post.prefix(count)) {
            guard count >= post.count else { return .incomplete }
            method = .post
            methodLength = post.count
        } else {
            return .other
        }
        // The target: visible ASCII up to the space before the version.
        var index = methodLength
        while index < count, bytes[index] != 0x20 {
            guard (0x21...0x7E).contains(bytes[index]) else { return .other }
            index += 1
        }
        guard index < count else { return count > maximumBytes ? .other : .incomplete }
        guard index > methodLength, bytes[methodLength] == UInt8(ascii: "/") else { return .other }
        let target = Array(bytes[methodLength..<index])
        let available = min(count - index, version.count)
        guard bytes[index..<(index + available)].elementsEqual(version.prefix(available)) else { return .other }
        guard available == version.count else { return .incomplete }
        index += version.count

        var head = WireRequestHead(method: method, target: target, authorization: nil, contentType: nil, contentLength: nil, length: 0)
        var seen = Field.Seen()
        var fields = 0
        while true {
            guard index < count else { return index > maximumBytes ? .other : .incomplete }
            if bytes[index] == 0x0D {
                guard index + 1 < count else { return .incomplete }
                guard bytes[index + 1] == 0x0A else { return .other }
                head.length = index + 2
                return head.length > maximumBytes ? .other : .plain(head)
            }
            fields += 1
            guard fields <= maximumFields, index <= maximumBytes else { return .other }
            // name ":" OWS value OWS CRLF
            let nameStart = index
            while index < count, isTokenByte(bytes[index]) { index += 1 }
            guard index < count else { return .incomplete }
            guard bytes[index] == UInt8(ascii: ":"), index > nameStart else { return .other }
            let nameEnd = index
            index += 1
            while index < count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
            let valueStart = index
            while index < count, bytes[index] != 0x0D {
                let byte = bytes[index]
                guard (0x20...0x7E).contains(byte) || byte == 0x09 else { return .other }
                index += 1
            }
            guard index + 1 < count else { return index > maximumBytes ? .other : .incomplete }
            guard bytes[index + 1] == 0x0A else { return .other }
            let valueEnd = index
            index += 2
            let name = UnsafeRawBufferPointer(rebasing: bytes[nameStart..<nameEnd])
            let value = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd])
            guard let field = Field(name) else { continue }
            // Trailing whitespace is kept in NIO's field values but not in every reader's: a
            // field read here with it is the router's.
            guard seen.insert(field), valueEnd == valueStart || (bytes[valueEnd - 1] != 0x20 && bytes[valueEnd - 1] != 0x09)
            else { return .other }
            switch field {
            case .refused:
                return .other
            case .connection:
                guard equalFolded(value, "keep-alive") else { return .other }
            case .authorization:
                head.authorization = String(decoding: value, as: UTF8.self)
            case .contentType:
                head.contentType = String(decoding: value, as: UTF8.self)
            case .contentLength:
                guard !value.isEmpty, value.count <= maximumLengthDigits else { return .other }
                var length = 0
                for digit in value {
                    guard (0x30...0x39).contains(digit) else { return .other }
                    length = length * 10 + Int(digit - 0x30)
                }
                head.contentLength = length
            }
        }
    }

    /// The fields read here; any other is skipped (after its syntax is checked).
    private enum Field: Equatable {
        case authorization, contentType, contentLength, connection
        /// `Transfer-Encoding`, `Expect`, `Upgrade`, `TE`, `Trailer`, `Proxy-Connection` (llhttp
        /// reads it as `Connection`): the router's.
        case refused

        init?(_ name: UnsafeRawBufferPointer) {
            if equalFolded(name, "authorization") { self = .authorization }
            else if equalFolded(name, "content-type") { self = .contentType }
            else if equalFolded(name, "content-length") { self = .contentLength }
            else if equalFolded(name, "connection") { self = .connection }
            else if equalFolded(name, "transfer-encoding") || equalFolded(name, "expect") || equalFolded(name, "upgrade")
                        || equalFolded(name, "te") || equalFolded(name, "trailer") || equalFolded(name, "proxy-connection") { self = .refused }
            else { return nil }
        }

        /// The fields seen so far (each may be given once).
        struct Seen {
            private var bits: UInt8 = 0
            mutating func insert(_ field: Field) -> Bool {
                let bit: UInt8
                switch field {
                case .authorization: bit = 1
                case .contentType: bit = 2
                case .contentLength: bit = 4
                case .connection: bit = 8
                case .refused: return true
                }
                defer { bits |= bit }
                return bits & bit == 0
            }
        }
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// Whether `bytes` spell `lowercase` (ASCII), letters in either case.
    private static func equalFolded(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeRawBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for i in 0..<bytes.count {
            let byte = bytes[i]
            let folded = (0x41...0x5A).contains(byte) ? byte | 0x20 : byte
            if folded != expected[i] { return false }
        }
        return true
    }
}
