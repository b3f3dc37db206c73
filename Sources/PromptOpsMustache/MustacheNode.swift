/// One node as the compiler builds it. Containers (sections, parents, blocks) are
/// followed by their children and store the index one past their last child.
/// ``MustacheProgram`` lowers these to plain-integer ``MustacheInstruction``s.
enum MustacheNode: Sendable {
    /// Literal text.
    case text(String)
    /// An interpolation.
    case variable(MustacheName, escaped: Bool)
    /// `{{#name}}…{{/name}}`.
    case section(MustacheName, end: Int)
    /// `{{^name}}…{{/name}}`.
    case invertedSection(MustacheName, end: Int)
    /// `{{>name}}`.
    case partial(MustacheCall)
    /// `{{<name}}…{{/name}}`; `arguments` are the indices of its argument block nodes.
    case parent(MustacheCall, arguments: [Int], end: Int)
    /// `{{$name}}…{{/name}}`.
    case block(MustacheBlockSlot)
}


/// Which template a partial or parent tag expands.
enum MustacheTemplateTarget: Sendable, Equatable {
    /// A name fixed in the source: `{{>name}}`.
    case named(String)
    /// A name read from the context: `{{>*name}}`.
    case dynamic(MustacheName)
}

/// A `{{>partial}}` or `{{<parent}}` call site.
struct MustacheCall: Sendable {
    /// The template to expand.
    let target: MustacheTemplateTarget
    /// Indentation to prepend to every line of the expansion; `nil` when the tag is not standalone.
    let indentation: String?
}

/// A `{{$block}}` in a template: a slot with default content, or — inside a parent tag — an argument.
struct MustacheBlockSlot: Sendable {
    /// The block's name.
    let name: String
    /// Index one past the block's last child node.
    let end: Int
    /// Indentation an override receives at this slot.
    let slotIndentation: String
    /// Whether the opening tag shares its line with other content, so an override's first line is not indented.
    let isInline: Bool
    /// Indentation of this block's own content, removed when it is used as an override.
    let contentIndentation: String
}
