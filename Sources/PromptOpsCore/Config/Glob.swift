/// Shell-style name patterns, as namespace lists and `known_hosts` host patterns use them.
public enum Glob {
    /// Whether `text` matches `pattern`, where `*` matches any run of characters (none
    /// included) and `?` exactly one.
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var i = 0, j = 0
        // Where the last `*` was and the text position it currently stands for, so a
        // mismatch retries with the star eating one more character (linear backtracking).
        var star: Int?, resume = 0
        while j < t.count {
            if i < p.count, p[i] == "?" || p[i] == t[j] {
                i += 1
                j += 1
            } else if i < p.count, p[i] == "*" {
                star = i
                resume = j
                i += 1
            } else if let s = star {
                i = s + 1
                resume += 1
                j = resume
            } else {
                return false
            }
        }
        while i < p.count, p[i] == "*" { i += 1 }
        return i == p.count
    }
}
