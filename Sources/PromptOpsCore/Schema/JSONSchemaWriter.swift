import Foundation

/// Writes the JSON Schema (draft 2020-12) of a kind from the same ``APISchemas`` the loader
/// checks against, for editors (yaml-language-server) and other tools.
public enum JSONSchemaWriter {
    /// The file name under `manifests/` for `kind`: `prompttemplate.schema.json`.
    public static func fileName(kind: String) -> String { "\(kind.lowercased()).schema.json" }

    /// The schema document of `kind` as pretty, key-sorted JSON text ending in a newline.
    public static func schema(kind: String) -> String {
        var root: [String: Any] = [
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://promptops.dev/schemas/v1alpha1/\(kind.lowercased()).json",
            "title": kind,
        ]
        let isConfig = kind == ControllerConfigSchema.kind
        let document = isConfig ? ControllerConfigSchema.document : APISchemas.document(kind: kind)
        for (key, value) in node(.object(document)) { root[key] = value }
        var defs: [String: Any] = [:]
        for (name, type) in isConfig ? ControllerConfigSchema.definitions : APISchemas.definitions { defs[name] = node(type) }
        root["$defs"] = defs
        let data = try! JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func node(_ type: SchemaType) -> [String: Any] {
        switch type {
        case .any:
            return [:]
        case .reference(let name):
            return ["$ref": "#/$defs/\(name)"]
        case .string(let rule):
            var out: [String: Any] = ["type": "string"]
            if let allowed = rule.allowed { out["enum"] = allowed }
            if let pattern = rule.format?.jsonPattern { out["pattern"] = pattern }
            if let max = rule.maxLength { out["maxLength"] = max }
            if let min = rule.minLength { out["minLength"] = min }
            if rule.format == .dnsLabel { out["maxLength"] = 63 }
            return out
        case .integer(let minimum, let maximum):
            var out: [String: Any] = ["type": "integer"]
            if let minimum { out["minimum"] = minimum }
            if let maximum { out["maximum"] = maximum }
            return out
        case .number(let minimum, let maximum):
            var out: [String: Any] = ["type": "number"]
            if let minimum { out["minimum"] = minimum }
            if let maximum { out["maximum"] = maximum }
            return out
        case .boolean:
            return ["type": "boolean"]
        case .array(let element, let minItems):
            var out: [String: Any] = ["type": "array", "items": node(element)]
            if let minItems { out["minItems"] = minItems }
            return out
        case .map(let element, let keyFormat):
            var out: [String: Any] = ["type": "object", "additionalProperties": node(element)]
            if let keyFormat, let pattern = StringFormat(rawValue: keyFormat)?.jsonPattern {
                out["propertyNames"] = ["pattern": pattern]
            }
            return out
        case .object(let schema):
            var properties: [String: Any] = [:]
            for field in schema.fields {
                var child = node(field.type)
                if !field.description.isEmpty { child["description"] = field.description }
                properties[field.name] = child
            }
            var out: [String: Any] = ["type": "object", "properties": properties, "additionalProperties": false]
            let required = schema.fields.filter(\.required).map(\.name)
            if !required.isEmpty { out["required"] = required }
            if !schema.description.isEmpty { out["description"] = schema.description }
            if let group = schema.exactlyOneOf.first {
                out["oneOf"] = group.map { ["required": [$0]] }
            }
            return out
        }
    }
}
