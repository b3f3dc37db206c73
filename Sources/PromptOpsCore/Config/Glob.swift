/// Shell-style name patterns, as namespace lists and `known_hosts` host patterns use them.
///
/// Matched on UTF-8 bytes, not characters: the names matched (namespaces are DNS labels, host
/// names) are ASCII, and the byte walk allocates nothing, which matters on the request path
/// where every API call checks its token's namespace globs (hack/bench/http, tokens vs open).
public enum Glob {
    /// Whether `text` matches `pattern`, where `*` matches any run of bytes (none included)
    /// and `?` exactly one.
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        var pattern = pattern, text = text
        return pattern.withUTF8 { p in text.withUTF8 { t in matches(p, t) } }
    }

    static func matches(_ p: UnsafeBufferPointer<UInt8>, _ t: UnsafeBufferPointer<UInt8>) -> Bool {
        let star = UInt8(ascii: "*"), any = UInt8(ascii: "?")
        var i = 0, j = 0
        // Where the last `*` was and the text position it currently stands for, so a
        // mismatch retries with the star eating one more byte (linear backtracking).
        var starAt: Int?, resume = 0
        while j < t.count {
            if i < p.count, p[i] == any || (p[i] != star && p[i] == t[j]) {
                i += 1
                j += 1
            } else if i < p.count, p[i] == star {
                starAt = i
                resume = j
                i += 1
            } else if let s = starAt {
                i = s + 1
                resume += 1
                j = resume
            } else {
                return false
            }
        }
        while i < p.count, p[i] == star { i += 1 }
        return i == p.count
    }
}
