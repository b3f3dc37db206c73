@_exported import PromptOpsMustache

/// A value given to a template: the engine's own value tree, so rendering needs no conversion.
public typealias TemplateValue = MustacheValue

extension LocatedValue {
    /// The node as a template value (locations dropped).
    public var templateValue: TemplateValue {
        switch content {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .array(let items): return .array(items.map(\.templateValue))
        case .object(let members):
            var out: [String: TemplateValue] = [:]
            for m in members { out[m.key] = m.value.templateValue }
            return .object(out)
        }
    }
}
