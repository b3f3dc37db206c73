/// The message texts of a stored template spec, for diffs.
public enum TemplateText {
    /// Labelled texts of a canonical spec: `messages[i] (role)` or `text`.
    public static func texts(ofSpecJSON json: String) -> [(label: String, text: String)] {
        // Stored specs are canonical JSON: the fast reader; anything else through YAML.
        let parsed = JSONTreeReader.read(json, at: SourceLocation(path: "<spec>", line: 1, column: 1))?.templateValue
            ?? InputValueParser.parseStructured(json)
        guard let value = parsed, case .object(let spec) = value else { return [] }
        if case .string(let text)? = spec["text"] { return [("text", text)] }
        guard case .array(let messages)? = spec["messages"] else { return [] }
        return messages.enumerated().compactMap { i, m in
            guard case .object(let fields) = m, case .string(let content)? = fields["content"] else { return nil }
            let role: String
            if case .string(let r)? = fields["role"] { role = r } else { role = "?" }
            return ("messages[\(i)] (\(role))", content)
        }
    }

    /// Unified diffs of the messages that differ between two specs.
    public static func diff(oldSpecJSON: String, newSpecJSON: String) -> [(label: String, diff: String)] {
        let old = texts(ofSpecJSON: oldSpecJSON)
        let new = texts(ofSpecJSON: newSpecJSON)
        var out: [(String, String)] = []
        for i in 0..<max(old.count, new.count) {
            let a = i < old.count ? old[i] : nil
            let b = i < new.count ? new[i] : nil
            if a?.text == b?.text && a?.label == b?.label { continue }
            let label = b?.label ?? a?.label ?? "?"
            let d = UnifiedDiff.make(old: a?.text ?? "", new: b?.text ?? "", oldLabel: a?.label ?? "/dev/null", newLabel: b?.label ?? "/dev/null")
            if !d.isEmpty { out.append((label, d)) }
        }
        return out
    }
}
