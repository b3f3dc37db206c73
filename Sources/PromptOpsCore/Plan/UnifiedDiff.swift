/// A line-based unified diff (Myers, via `CollectionDifference`), sized for prompts.
public enum UnifiedDiff {
    /// One line of an edit script, with its number on each side (nil where it does not exist).
    public struct Line: Sendable, Equatable {
        public enum Kind: String, Sendable { case same, added, removed }
        public var kind: Kind
        public var text: String
        public var old: Int?
        public var new: Int?
    }

    /// The edit script of `old` → `new`, line by line (no size bound: callers bound it).
    public static func lines(old: String, new: String) -> [Line] {
        lines(old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
              new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    /// Edit script from the standard library's Myers diff (`CollectionDifference`):
    /// O((n + m) · d) time and O(n + m) memory, where the LCS table it replaced held n · m.
    static func lines(_ a: [String], _ b: [String]) -> [Line] {
        let n = a.count, m = b.count
        var removed = Set<Int>(), inserted = Set<Int>()
        for change in b.difference(from: a) {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        var out: [Line] = []
        out.reserveCapacity(n + inserted.count)
        var i = 0, j = 0
        while i < n || j < m {
            if i < n && removed.contains(i) { out.append(Line(kind: .removed, text: a[i], old: i + 1, new: nil)); i += 1 }
            else if j < m && (i == n || inserted.contains(j)) { out.append(Line(kind: .added, text: b[j], old: nil, new: j + 1)); j += 1 }
            else { out.append(Line(kind: .same, text: a[i], old: i + 1, new: j + 1)); i += 1; j += 1 }
        }
        return out
    }

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
        enum Op { case same(String), del(String), add(String) }
        let ops: [Op] = lines(a, b).map { line in
            switch line.kind {
            case .same: return .same(line.text)
            case .removed: return .del(line.text)
            case .added: return .add(line.text)
            }
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
