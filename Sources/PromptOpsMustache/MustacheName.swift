/// A dotted name as written in a tag, pre-split at compile time.
struct MustacheName: Sendable, Equatable {
    /// The first segment, resolved against the context stack; empty for `{{.}}`.
    let head: String
    /// The remaining segments, resolved against the value found for `head`.
    let tail: [String]

    /// Splits `text` on dots; `"."` is the implicit iterator.
    init(_ text: String) {
        if text == "." {
            head = ""
            tail = []
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            head = parts[0]
            tail = Array(parts.dropFirst())
        }
    }

    /// Whether this is `{{.}}`.
    var isImplicitIterator: Bool { head.isEmpty }

    /// The segments as the analysis reports them (`["."]` for the implicit iterator).
    var path: [String] { isImplicitIterator ? ["."] : [head] + tail }
}
