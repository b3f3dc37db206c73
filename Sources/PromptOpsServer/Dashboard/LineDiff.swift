import PromptOpsCore

/// A line diff of two texts for a page: the edit script of ``UnifiedDiff/lines(old:new:)``
/// (what `promptops diff` prints), bounded for a request.
struct LineDiff {
    typealias Kind = UnifiedDiff.Line.Kind
    typealias Row = UnifiedDiff.Line

    let rows: [Row]
    /// Whether the texts were too large to diff (``rows`` is then empty).
    let isTooLarge: Bool

    /// The most lines a side may have: the standard library's diff takes time and memory that
    /// grow with the product of the sides' changes, and a commit must not make a page exhaust
    /// the controller.
    static let maxLines = 2_000
    static let maxBytes = 256 * 1024

    init(from old: String, to new: String) {
        let lineCount = { (text: String) in text.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } }
        guard lineCount(old) <= Self.maxLines, lineCount(new) <= Self.maxLines, old.utf8.count + new.utf8.count <= Self.maxBytes else {
            rows = []
            isTooLarge = old != new
            return
        }
        isTooLarge = false
        rows = UnifiedDiff.lines(old: old, new: new)
    }

    /// Whether anything changed.
    var isEmpty: Bool { !isTooLarge && rows.allSatisfy { $0.kind == .same } }
}
