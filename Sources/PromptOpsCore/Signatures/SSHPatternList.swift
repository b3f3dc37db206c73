/// OpenSSH pattern-lists (`PATTERNS` in ssh_config(5)), as `match_pattern_list` in match.c
/// evaluates them: comma-separated patterns where `*` matches any run of characters, `?`
/// exactly one, and a leading `!` negates. Used for the `namespaces="…"` option.
///
/// Matching is case-sensitive, as sshsig.c asks for it (`dolower` 0).
enum SSHPatternList {
    /// How a string fared against a pattern-list.
    enum Match: Equatable {
        /// Some negated pattern matched: the list excludes the string, whatever else matched.
        case excluded
        /// No pattern matched.
        case none
        /// A positive pattern matched and no negated one did.
        case included
    }

    /// Evaluates `list` for `string`. A negated match wins over any positive one, which is
    /// why every pattern is looked at instead of stopping at the first positive match.
    static func match(_ string: String, against list: String) -> Match {
        var positive = false
        for rawPattern in list.split(separator: ",", omittingEmptySubsequences: false) {
            let negated = rawPattern.hasPrefix("!")
            let pattern = negated ? rawPattern.dropFirst() : rawPattern
            guard glob(Array(string.unicodeScalars), Array(pattern.unicodeScalars)) else { continue }
            if negated { return .excluded }
            positive = true
        }
        return positive ? .included : .none
    }

    /// `*`/`?` wildcard match by the iterative backtracking method: it remembers only the
    /// last `*`, so it runs in O(n·m) where the recursive form in match.c can go exponential
    /// on patterns such as `*a*a*a*b` (harmless on short namespaces, but cheap to avoid).
    static func glob(_ text: [Unicode.Scalar], _ pattern: [Unicode.Scalar]) -> Bool {
        var t = 0, p = 0
        var starAt: Int?
        var resumeAt = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "*" {
                starAt = p
                resumeAt = t
                p += 1
            } else if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                t += 1
                p += 1
            } else if let star = starAt {
                // Let the last `*` swallow one more character and retry after it.
                resumeAt += 1
                t = resumeAt
                p = star + 1
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
