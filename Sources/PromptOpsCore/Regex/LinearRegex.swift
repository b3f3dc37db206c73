/// A regular expression that matches in time linear in the text.
///
/// Patterns in policy manifests and template tests come from git and may be
/// hostile. A backtracking engine (Swift `Regex`) can take exponential time on
/// patterns like `(a+)+$`; this one compiles the pattern into a Thompson NFA and
/// runs it as a Pike VM, so matching costs O(text scalars × program size) and is
/// additionally capped by a step budget. Constructs that need backtracking
/// (backreferences, lookaround, atomic groups, possessive quantifiers,
/// conditionals, recursion) are refused at compile time with their offset.
///
/// Matching is over Unicode scalars (`text.unicodeScalars`), not `Character`s:
/// `.` matches one scalar, and returned indices are scalar-aligned.
///
/// Supported syntax: literals; `.`; escapes `\\ \. \* \+ \? \( \) \[ \] \{ \}
/// \| \^ \$ \/ \-` (any escaped ASCII punctuation or space), `\n \t \r \f \a \e`,
/// `\0` and `\0oo` (octal), `\xH`, `\xHH`, `\x{H…}`, `\uHHHH`, `\u{H…}`;
/// classes `\d \D \w \W` (Unicode-aware: Nd digits; letters, marks, digits,
/// connector punctuation), `\s \S` (Unicode White_Space), `\h \H` (horizontal
/// space), `\v \V` (line terminators), `\N`; assertions `\b \B` (a `\w` on
/// exactly one side, as in PCRE; Swift `Regex` defaults to UAX #29 boundaries),
/// `\A \z \Z`, `^ $`; bracket classes with ranges, escapes, `[:alpha:]`-style
/// ASCII POSIX classes and `^` negation; groups `( )`, `(?: )`, `(?<name> )`,
/// `(?'name' )`, `(?P<name> )` (nothing is captured), comments `(?# )`;
/// alternation; quantifiers `* + ? {n} {n,} {n,m} {,m}` (counts ≤ 1000) and
/// lazy forms with a trailing `?`; inline flags `(?imsx-imsx)` and
/// `(?imsx-imsx: … )`.
///
/// Semantics: leftmost start, then Perl/PCRE leftmost-first priority for the
/// end. Like Swift `Regex`, a trip through an unbounded quantifier (`*`, `+`,
/// `{n,}`) that matches empty ends the quantifier, even below its minimum.
/// Line terminators for `.`, `^`/`$` under `(?m)` and `\N` are LF, VT, FF, CR,
/// NEL, LS, PS with CRLF as one. Without `(?m)`, `^` is the text start and `$`
/// is the end or just before a final line terminator (like PCRE's `$` and `\Z`).
/// `(?i)` uses simple scalar case mappings: a literal matches a scalar with the
/// same lowercase mapping; a class matches if the scalar, its lowercase or its
/// uppercase mapping is a member.
///
/// Equality and hashing use `pattern` only: the same pattern always compiles
/// to the same program.
public struct LinearRegex: Sendable, Hashable {
    /// The pattern text this regex was compiled from.
    public let pattern: String
    /// The compiled program.
    let program: LinearRegexProgram

    /// Compiles; throws on unsupported or malformed syntax, or a program above
    /// `maximumProgramSize` instructions (counted repetitions are expanded, so
    /// `x{1000}` costs a thousand copies of `x`).
    public init(_ pattern: String, maximumProgramSize: Int = 20_000) throws(LinearRegexError) {
        var parser = LinearRegexParser(pattern)
        let syntax = try parser.parse()
        program = try LinearRegexCompiler.compile(syntax, maximumSize: maximumProgramSize)
        self.pattern = pattern
    }

    /// Number of instructions in the compiled program (the factor that, with
    /// the text length, bounds the matching work).
    public var programSize: Int { program.instructions.count }

    /// Leftmost match (Perl/leftmost-first semantics for the end) in `text`,
    /// searching unanchored, using at most `budget` VM steps (a step = one
    /// thread advanced, or one state visited, at one input position).
    /// nil = no match. The range's bounds are scalar-aligned indices of `text`.
    public func firstMatch(
        in text: String, budget: Int = 50_000_000
    ) throws(LinearRegexBudgetExceeded) -> Range<String.Index>? {
        try firstMatchCountingSteps(in: text, budget: budget).range
    }

    /// Whether `text` contains a match, using at most `budget` VM steps. Stops at
    /// the first match found, so it can be cheaper than `firstMatch(in:)`.
    public func matches(_ text: String, budget: Int = 50_000_000) throws(LinearRegexBudgetExceeded) -> Bool {
        let matcher = LinearRegexMatcher(program: program, budget: budget)
        return try matcher.run(text, stopAtFirstMatch: true).range != nil
    }

    /// `firstMatch(in:budget:)` that also reports the steps used, so tests can
    /// check the linear bound.
    func firstMatchCountingSteps(
        in text: String, budget: Int = 50_000_000
    ) throws(LinearRegexBudgetExceeded) -> (range: Range<String.Index>?, steps: Int) {
        let matcher = LinearRegexMatcher(program: program, budget: budget)
        return try matcher.run(text, stopAtFirstMatch: false)
    }

    /// Number of VM states (instructions, plus extra states inside loops over
    /// groups that can match empty); bounds the closure work per position.
    var stateCount: Int { program.stateCount }

    /// Two regexes are equal when their patterns are.
    public static func == (lhs: LinearRegex, rhs: LinearRegex) -> Bool {
        lhs.pattern == rhs.pattern
    }

    /// Hashes the pattern.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(pattern)
    }
}
