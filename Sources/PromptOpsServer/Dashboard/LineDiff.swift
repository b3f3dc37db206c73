/// A line diff of two texts, from the standard library's `CollectionDifference`.
struct LineDiff {
    enum Kind: String { case same, added, removed }

    /// One line of the diff, with its number on each side (nil where it does not exist).
    struct Row {
        var kind: Kind
        var text: String
        var old: Int?
        var new: Int?
    }

    let rows: [Row]
    /// Whether the texts were too large to diff (``rows`` is then empty).
    let isTooLarge: Bool

    /// The most lines a side may have: the standard library's diff takes time and memory that
    /// grow with the product of the sides' changes, and a commit must not make a page exhaust
    /// the controller.
    static let maxLines = 2_000
    static let maxBytes = 256 * 1024

    init(from old: String, to new: String) {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard a.count <= Self.maxLines, b.count <= Self.maxLines, old.utf8.count + new.utf8.count <= Self.maxBytes else {
            rows = []
            isTooLarge = old != new
            return
        }
        isTooLarge = false
        let difference = b.difference(from: a)
        var removed = Set<Int>(), inserted = Set<Int>()
        for change in difference {
            switch change {
            case .remove(let offset, _, _): removed.insert(offset)
            case .insert(let offset, _, _): inserted.insert(offset)
            }
        }
        var rows: [Row] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, removed.contains(i) {
                rows.append(Row(kind: .removed, text: a[i], old: i + 1, new: nil)); i += 1
            } else if j < b.count, inserted.contains(j) {
                rows.append(Row(kind: .added, text: b[j], old: nil, new: j + 1)); j += 1
            } else {
                // Neither removed nor inserted: the same line on both sides.
                rows.append(Row(kind: .same, text: j < b.count ? b[j] : a[i], old: i + 1, new: j + 1)); i += 1; j += 1
            }
        }
        self.rows = rows
    }

    /// Whether anything changed.
    var isEmpty: Bool { !isTooLarge && rows.allSatisfy { $0.kind == .same } }
}
