/// A line-based unified diff (Myers, via `CollectionDifference`), sized for prompts.
public enum UnifiedDiff {
    /// Inputs longer than this many lines on either side are summarised instead of diffed.
    public static let maxLines = 5_000

    /// The unified diff of `old` to `new` with `context` lines around each change; empty when equal.
    public static func make(old: String, new: String, oldLabel: String, newLabel: String, context: Int = 3) -> String {
        if old == new { return "" }
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var out = "--- \(oldLabel)\n+++ \(newLabel)\n"
        if a.count > maxLines || b.count > maxLines {
            return out + "@@ too large to diff: \(a.count) → \(b.count) lines @@\n"
        }
        // Edit script from the standard library's Myers diff (`CollectionDifference`):
        // O((n + m) · d) time and O(n + m) memory, where the LCS table it replaced held n · m.
        let n = a.count, m = b.count
        var removed = Set<Int>(), inserted = Set<Int>()
        for change in b.difference(from: a) {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        enum Op { case same(String), del(String), add(String) }
        var ops: [Op] = []
        ops.reserveCapacity(n + inserted.count)
        var i = 0, j = 0
        while i < n || j < m {
            if i < n && removed.contains(i) { ops.append(.del(a[i])); i += 1 }
            else if j < m && (i == n || inserted.contains(j)) { ops.append(.add(b[j])); j += 1 }
            else { ops.append(.same(a[i])); i += 1; j += 1 }
        }
        // Group changes into hunks with context.
        var index = 0
        var oldLine = 1, newLine = 1
        var lineAt: [(Int, Int)] = []
        for op in ops {
            lineAt.append((oldLine, newLine))
            switch op {
            case .same: oldLine += 1; newLine += 1
            case .del: oldLine += 1
            case .add: newLine += 1
            }
        }
        while index < ops.count {
            guard let firstChange = ops[index...].firstIndex(where: { if case .same = $0 { return false }; return true }) else { break }
            let start = max(0, firstChange - context)
            var end = firstChange
            var lastChange = firstChange
            while end < ops.count {
                if case .same = ops[end] {
                    if end - lastChange > 2 * context { break }
                } else {
                    lastChange = end
                }
                end += 1
            }
            end = min(ops.count, lastChange + context + 1)
            var oldCount = 0, newCount = 0
            var body = ""
            for op in ops[start..<end] {
                switch op {
                case .same(let s): body += " \(s)\n"; oldCount += 1; newCount += 1
                case .del(let s): body += "-\(s)\n"; oldCount += 1
                case .add(let s): body += "+\(s)\n"; newCount += 1
                }
            }
            let (os, ns) = lineAt[start]
            out += "@@ -\(oldCount == 0 ? os - 1 : os),\(oldCount) +\(newCount == 0 ? ns - 1 : ns),\(newCount) @@\n" + body
            index = end
        }
        return out
    }
}
