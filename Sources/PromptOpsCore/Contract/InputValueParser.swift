import Foundation

/// Turns command-line `k=v` strings into typed values using the declared input type, so
/// `--var count=3` is an integer when `count` is declared as one.
public enum InputValueParser {
    /// A `--var` that is not `name=value`, or a value that does not parse as its type.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        /// A sentence naming the input.
        public var description: String
    }

    /// Parses `assignment` (`name=value`) against `inputs`.
    public static func parse(_ assignment: String, inputs: [String: InputSpec]) throws(ParseError) -> (String, TemplateValue) {
        guard let eq = assignment.firstIndex(of: "="), eq != assignment.startIndex else {
            throw ParseError(description: "--var '\(assignment)': expected name=value")
        }
        let name = String(assignment[..<eq])
        let raw = String(assignment[assignment.index(after: eq)...])
        guard let spec = inputs[name] else { return (name, .string(raw)) }
        switch spec.type {
        case .string:
            return (name, .string(raw))
        case .integer:
            guard let i = Int(raw) else { throw ParseError(description: "input '\(name)': expected an integer, got '\(raw)'") }
            return (name, .int(i))
        case .number:
            guard let d = Double(raw) else { throw ParseError(description: "input '\(name)': expected a number, got '\(raw)'") }
            return (name, Int(raw).map(TemplateValue.int) ?? .double(d))
        case .boolean:
            switch raw {
            case "true": return (name, .bool(true))
            case "false": return (name, .bool(false))
            default: throw ParseError(description: "input '\(name)': expected true or false, got '\(raw)'")
            }
        case .array, .object:
            guard let value = parseStructured(raw) else {
                throw ParseError(description: "input '\(name)': expected \(spec.type == .array ? "a JSON array" : "a JSON object"), got '\(raw)'")
            }
            return (name, value)
        }
    }

    /// Parses a JSON or YAML text into a value, or nil.
    public static func parseStructured(_ text: String) -> TemplateValue? {
        let (documents, problems) = YAMLDocumentReader().read(Array(text.utf8), path: "<value>")
        guard problems.isEmpty, documents.count == 1 else { return nil }
        return documents[0].templateValue
    }

    /// Reads a JSON or YAML vars file: a mapping of input names to values.
    public static func readVarsFile(_ path: String) throws(ParseError) -> [String: TemplateValue] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ParseError(description: "\(path): cannot read vars file")
        }
        let (documents, problems) = YAMLDocumentReader().read([UInt8](data), path: path)
        if let first = problems.first { throw ParseError(description: first.description) }
        guard documents.count == 1, case .object(let members) = documents[0].templateValue else {
            throw ParseError(description: "\(path): a vars file must hold one mapping of input names to values")
        }
        return members.dictionary
    }
}
