/// How interpolated values are escaped on output.
///
/// PromptOps renders prompts, not HTML, so ``none`` is the default everywhere.
/// ``html`` exists for Mustache spec conformance and HTML-producing callers.
public enum MustacheEscaping: Sendable {
    /// Values are written exactly as they are (prompt mode).
    case none
    /// `{{name}}` escapes `&`, `<`, `>`, `"` and `'`; `{{{name}}}` and `{{&name}}` do not.
    case html
}
