/// Named string formats, checked in Swift (fast, no regex engine on the hot path) and
/// published as a `pattern` in the JSON Schemas.
public enum StringFormat: String, Sendable {
    /// DNS-1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters.
    case dnsLabel
    /// A duration: digits then `ms`, `s`, `m` or `h` (`500ms`, `30s`, `5m`, `1h`).
    case duration
    /// A time of day, `HH:MM` on a 24-hour clock.
    case timeOfDay
    /// A regular expression that must compile.
    case regularExpression
    /// A template input name: a letter or `_`, then letters, digits, `_` or `-`.
    case identifier
    /// A SHA-256 digest: 64 lower-case hex digits.
    case sha256Hex

    /// The JSON Schema `pattern` equivalent, when there is one.
    public var jsonPattern: String? {
        switch self {
        case .dnsLabel: return "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
        case .duration: return "^[0-9]+(ms|s|m|h)$"
        case .timeOfDay: return "^([01][0-9]|2[0-3]):[0-5][0-9]$"
        case .regularExpression: return nil
        case .identifier: return "^[A-Za-z_][A-Za-z0-9_-]*$"
        case .sha256Hex: return "^[0-9a-f]{64}$"
        }
    }

    /// What a valid value looks like, for messages.
    public var expectation: String {
        switch self {
        case .dnsLabel: return "a DNS-1123 label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)"
        case .duration: return "a duration such as 500ms, 30s, 5m or 1h"
        case .timeOfDay: return "a time of day HH:MM (24-hour clock)"
        case .regularExpression: return "a valid regular expression"
        case .identifier: return "a name made of letters, digits, '_' and '-', starting with a letter or '_'"
        case .sha256Hex: return "a SHA-256 digest in lower-case hex (64 characters): printf %s \"$TOKEN\" | sha256sum"
        }
    }

    /// Whether `value` has this format.
    public func accepts(_ value: String) -> Bool {
        switch self {
        case .dnsLabel: return Self.isDNSLabel(value)
        case .duration: return Duration.parse(value) != nil
        case .timeOfDay: return TimeOfDay(value) != nil
        case .regularExpression: return Self.regexProblem(value) == nil
        case .sha256Hex:
            return value.utf8.count == 64 && value.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        case .identifier:
            guard let first = value.unicodeScalars.first, first.isASCII,
                  first.properties.isAlphabetic || first == "_" else { return false }
            return value.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
        }
    }

    /// DNS-1123 label check.
    public static func isDNSLabel(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, bytes.count <= 63 else { return false }
        func alnum(_ b: UInt8) -> Bool { (0x61...0x7A).contains(b) || (0x30...0x39).contains(b) }
        guard alnum(bytes.first!), alnum(bytes.last!) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == 0x2D }
    }
}

extension StringFormat {
    /// Why `pattern` cannot be compiled by the linear-time engine patterns run on (character
    /// offset and reason), or nil when it can.
    public static func regexProblem(_ pattern: String) -> String? {
        do {
            _ = try LinearRegex(pattern)
            return nil
        } catch {
            return "\(error.message) (at character \(error.offset + 1))"
        }
    }
}

/// A time of day in minutes after midnight.
public struct TimeOfDay: Sendable, Hashable, Comparable {
    /// Minutes after midnight, 0..<1440.
    public var minutes: Int

    /// Parses `HH:MM`.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m)
        else { return nil }
        minutes = h * 60 + m
    }

    /// Orders by time of day.
    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.minutes < b.minutes }
}

extension Duration {
    /// Parses `500ms`, `30s`, `5m`, `1h`.
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (suffix, millis) in units where text.hasSuffix(suffix) {
            let digits = text.dropLast(suffix.count)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
                  let n = Int64(digits), n <= 1_000_000_000 else { return nil }
            return .milliseconds(n * millis)
        }
        return nil
    }
}
