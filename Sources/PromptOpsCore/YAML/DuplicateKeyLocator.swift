/// Finds where a mapping key appears the second time. Yams reports a duplicated key at its
/// first occurrence, but the line to fix is the repeat: the one a person just added.
enum DuplicateKeyLocator {
    /// The 1-based line and column of the next occurrence of `key` as a sibling of the key at
    /// `line`:`column` (same mapping), or nil when it can't be told from the text.
    static func secondOccurrence(of key: String, line: Int, column: Int, in text: String) -> (line: Int, column: Int)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count, column >= 1 else { return nil }
        let forms = [key, "\"\(key)\"", "'\(key)'"].map { Array($0.utf8) }
        // Flow style (`{a: 1, a: 2}`): a later key on the same line after a `,` or `{`.
        let first = Array(lines[line - 1].utf8)
        var i = column - 1 + key.utf8.count
        while i < first.count {
            if first[i] == UInt8(ascii: ","), let at = keyStart(in: first, from: i + 1, forms: forms) { return (line, at + 1) }
            i += 1
        }
        // Block style: siblings start at the same column on later lines, until a line starts
        // left of it (the mapping ended).
        for l in line..<lines.count {
            let bytes = Array(lines[l].utf8)
            guard let indent = bytes.firstIndex(where: { $0 != UInt8(ascii: " ") }),
                  bytes[indent] != UInt8(ascii: "#") else { continue }
            if indent < column - 1 {
                // A `- ` item marker left of the key column still belongs to a sequence of
                // mappings only on the first line; any other line this far left ends the mapping.
                return nil
            }
            if indent == column - 1, keyStart(in: bytes, from: indent, forms: forms) == indent { return (l + 1, column) }
        }
        return nil
    }

    /// The offset where one of `forms` followed by optional spaces and `:` starts, skipping
    /// leading spaces from `from`.
    private static func keyStart(in bytes: [UInt8], from: Int, forms: [[UInt8]]) -> Int? {
        var start = from
        while start < bytes.count, bytes[start] == UInt8(ascii: " ") { start += 1 }
        for form in forms where start + form.count <= bytes.count && Array(bytes[start..<(start + form.count)]) == form {
            var end = start + form.count
            while end < bytes.count, bytes[end] == UInt8(ascii: " ") { end += 1 }
            if end < bytes.count, bytes[end] == UInt8(ascii: ":") { return start }
        }
        return nil
    }
}
