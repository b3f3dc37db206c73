@_exported import PromptOpsMustache

/// A value given to a template: the engine's own value tree, so rendering needs no conversion.
public typealias TemplateValue = MustacheValue

extension LocatedValue {
    /// The node as a template value (locations dropped).
    public var templateValue: TemplateValue { converted { .double($0) } }

    /// The node as its canonical JSON reads back (``CanonicalJSON``): a whole-number double
    /// below 10^15 is an integer, a non-finite number is null. Manifest values are decoded
    /// this way, so a template parsed from its file and the same template re-derived from its
    /// stored canonical form hold equal values (and report them in the same words).
    public var canonicalTemplateValue: TemplateValue { converted(CanonicalJSON.number) }

    private func converted(_ double: (Double) -> TemplateValue) -> TemplateValue {
        switch content {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return double(d)
        case .string(let s): return .string(s)
        case .array(let items): return .array(items.map { $0.converted(double) })
        case .object(let members):
            var out: [String: TemplateValue] = [:]
            for m in members { out[m.key] = m.value.converted(double) }
            return .object(out)
        }
    }
}
