/// A line-based unified diff (longest common subsequence), sized for prompts.
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
        // Edit script from an LCS table (O(n·m) memory, fine at prompt sizes).
        let n = a.count, m = b.count
        var lcs = [[Int32]](repeating: [Int32](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        enum Op { case same(String), del(String), add(String) }
        var ops: [Op] = []
        var i = 0, j = 0
        while i < n || j < m {
            if i < n && j < m && a[i] == b[j] { ops.append(.same(a[i])); i += 1; j += 1 }
            else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) { ops.append(.del(a[i])); i += 1 }
            else { ops.append(.add(b[j])); j += 1 }
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
