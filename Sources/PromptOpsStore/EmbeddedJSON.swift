import Foundation

/// JSON text kept exactly as stored, which encodes as the JSON value itself (not as a
/// string), so a spec or audit details appear inline in API answers.
public struct EmbeddedJSON: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The JSON text as stored.
    public var text: String

    /// Wraps stored JSON text.
    public init(_ text: String) {
        self.text = text
    }

    /// The parsed value; nil when the text is not JSON.
    public var value: JSONValue? { JSONValue(json: text) }

    /// The text.
    public var description: String { text }

    /// Decodes any JSON value and keeps it as sorted-key text.
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Encodes the parsed value (a string holding the text if it does not parse).
    public func encode(to encoder: any Encoder) throws {
        try (value ?? .string(text)).encode(to: encoder)
    }
}
