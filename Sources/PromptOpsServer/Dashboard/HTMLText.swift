import HTTPTypes
import Foundation

/// Escaping for the few places the dashboard writes markup itself (the SVG charts); every
/// page goes through the Mustache engine in its HTML-escaping mode instead.
enum HTMLText {
    /// `&`, `<`, `>`, `"` and `'` as character references: safe in text and in quoted
    /// attributes.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// One path segment, percent-encoded (names come from git: a segment never carries `/`,
    /// `?`, `#` or `%` unencoded).
    static func segment(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: segmentCharacters) ?? ""
    }

    private static let segmentCharacters: CharacterSet = {
        var set = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        set.insert(charactersIn: "-._~")
        return set
    }()

    /// A timestamp as people read it on the page (UTC, to the second).
    static func time(_ date: Date?) -> String {
        guard let date else { return "" }
        return timeFormat.format(date)
    }

    /// The machine form for `<time datetime>`.
    static func machineTime(_ date: Date?) -> String {
        guard let date else { return "" }
        return machineFormat.format(date)
    }

    private static let timeFormat = Date.VerbatimFormatStyle(
        format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits):\(second: .twoDigits)Z",
        timeZone: .gmt, calendar: Calendar(identifier: .gregorian))
    private static let machineFormat = Date.ISO8601FormatStyle(timeZone: .gmt)

    /// A number for a label: up to 4 significant digits, no exponent for ordinary values.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e9 { return String(Int(value)) }
        let text = String(format: "%.4g", value)
        return text
    }
}
