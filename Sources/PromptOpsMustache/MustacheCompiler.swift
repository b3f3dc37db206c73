/// Turns laid-out tokens into a ``MustacheProgram``: matches sections, drops
/// content that parent tags ignore, pre-splits names and records the static
/// analysis. Iterative, so deeply nested input cannot exhaust the stack.
struct MustacheCompiler {
    /// A container tag whose closing tag has not been seen yet.
    private struct OpenContainer {
        /// The opening tag.
        var tag: MustacheTag
        /// Index of the container's node, or `nil` when its content is ignored (inside a parent tag).
        var node: Int?
        /// For parents: indices of argument block nodes.
        var arguments: [Int] = []
    }

    private let bytes: [UInt8]
    private var nodes: [MustacheNode] = []
    private var lineStarts: [Bool] = []
    private var open: [OpenContainer] = []
    private var pendingText: [UInt8] = []
    private var pendingTextStartsLine = false
    private var interpolations = 0
    private var analysis = MustacheAnalysis()
    /// The enclosing rendered `{{#section}}` names, outermost first, kept in step with `open`.
    private var sectionScopes: [[String]] = []

    /// Creates a compiler for the template whose UTF-8 bytes are `bytes`.
    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Compiles the whole template.
    static func compile(_ source: String) throws(MustacheParseError) -> MustacheProgram {
        let bytes = Array(source.utf8)
        var scanner = MustacheScanner(bytes: bytes)
        let tokens = try scanner.scan()
        var compiler = MustacheCompiler(bytes: bytes)
        for item in MustacheLineLayout.layout(tokens, bytes: bytes) {
            try compiler.consume(item)
        }
        return try compiler.finish(source: source)
    }

    // MARK: - Tokens

    /// Whether content at this point is ignored: directly inside a parent tag, outside any block.
    private var isIgnoringContent: Bool {
        for container in open.reversed() {
            switch container.tag.kind {
            case .parent: return true
            case .block: return false
            default: continue
            }
        }
        return false
    }

    private mutating func consume(_ item: MustacheLineLayout.Item) throws(MustacheParseError) {
        switch item.token {
        case .text(let range), .newline(let range):
            guard !isIgnoringContent else { return }
            if pendingText.isEmpty { pendingTextStartsLine = item.startsLine }
            pendingText.append(contentsOf: bytes[range])
        case .tag(let tag):
            try consume(tag, startsLine: item.startsLine)
        }
    }

    private mutating func consume(_ tag: MustacheTag, startsLine: Bool) throws(MustacheParseError) {
        if tag.kind.opensContainer && open.count >= MustacheTemplate.maximumNestingDepth {
            throw MustacheParseError(
                kind: .nestingTooDeep,
                message: "sections, parents and blocks nest deeper than \(MustacheTemplate.maximumNestingDepth) levels",
                line: tag.line, column: tag.column)
        }
        let ignoring = isIgnoringContent
        switch tag.kind {
        case .comment, .delimiters:
            return
        case .variable, .unescapedVariable:
            guard !ignoring else { return }
            let name = MustacheName(tag.name)
            record(name, tag)
            interpolations += 1
            append(.variable(name, escaped: tag.kind == .variable), startsLine: startsLine)
        case .section, .invertedSection:
            guard !ignoring else {
                open.append(OpenContainer(tag: tag, node: nil))
                return
            }
            let name = MustacheName(tag.name)
            record(name, tag)
            let index = append(.text(""), startsLine: startsLine)
            open.append(OpenContainer(tag: tag, node: index))
            if tag.kind == .section { sectionScopes.append(name.path) }
        case .partial:
            guard !ignoring else { return }
            analysis.partials.append(reference(tag))
            append(.partial(makeCall(tag)), startsLine: startsLine)
        case .parent:
            guard !ignoring else {
                open.append(OpenContainer(tag: tag, node: nil))
                return
            }
            analysis.parents.append(reference(tag))
            let index = append(.text(""), startsLine: startsLine)
            open.append(OpenContainer(tag: tag, node: index))
        case .block:
            if !analysis.blocks.contains(tag.name) { analysis.blocks.append(tag.name) }
            let index = append(.text(""), startsLine: startsLine)
            if ignoring, let parent = open.lastIndex(where: { $0.tag.kind == .parent }), open[parent].node != nil {
                open[parent].arguments.append(index)
            }
            open.append(OpenContainer(tag: tag, node: index))
        case .close:
            try close(tag)
        }
    }

    /// Handles `{{/name}}`: checks it matches and patches the container node.
    private mutating func close(_ tag: MustacheTag) throws(MustacheParseError) {
        guard let container = open.popLast() else {
            throw MustacheParseError(kind: .unexpectedClose, message: "closing tag '\(tag.name)' has no open section", line: tag.line, column: tag.column)
        }
        guard container.tag.name == tag.name else {
            throw MustacheParseError(
                kind: .mismatchedClose,
                message: "closing tag '\(tag.name)' does not match open '\(container.tag.name)' (line \(container.tag.line), column \(container.tag.column))",
                line: tag.line, column: tag.column)
        }
        guard let index = container.node else { return }
        if container.tag.kind == .section { sectionScopes.removeLast() }
        flushText()
        let end = nodes.count
        let opening = container.tag
        switch opening.kind {
        case .section:
            nodes[index] = .section(MustacheName(opening.name), end: end)
        case .invertedSection:
            nodes[index] = .invertedSection(MustacheName(opening.name), end: end)
        case .parent:
            nodes[index] = .parent(makeCall(opening), arguments: container.arguments, end: end)
        case .block:
            nodes[index] = .block(makeSlot(opening, index: index, end: end))
        default:
            break
        }
    }

    private mutating func finish(source: String) throws(MustacheParseError) -> MustacheProgram {
        if let unclosed = open.last {
            throw MustacheParseError(kind: .unclosedSection, message: "section '\(unclosed.tag.name)' is never closed", line: unclosed.tag.line, column: unclosed.tag.column)
        }
        flushText()
        return MustacheProgram(nodes: nodes, lineStarts: lineStarts, interpolations: interpolations, analysis: analysis, source: source)
    }

    // MARK: - Building

    @discardableResult
    private mutating func append(_ node: MustacheNode, startsLine: Bool) -> Int {
        flushText()
        nodes.append(node)
        lineStarts.append(startsLine)
        return nodes.count - 1
    }

    private mutating func flushText() {
        guard !pendingText.isEmpty else { return }
        nodes.append(.text(String(decoding: pendingText, as: UTF8.self)))
        lineStarts.append(pendingTextStartsLine)
        pendingText.removeAll(keepingCapacity: true)
    }

    private func makeCall(_ tag: MustacheTag) -> MustacheCall {
        let target: MustacheTemplateTarget = tag.isDynamic ? .dynamic(MustacheName(tag.name)) : .named(tag.name)
        return MustacheCall(target: target, indentation: tag.isStandalone ? (tag.indentation ?? "") : nil)
    }

    /// Works out a block's indentation facts from its tag and first child.
    private func makeSlot(_ tag: MustacheTag, index: Int, end: Int) -> MustacheBlockSlot {
        var contentIndentation = ""
        if index + 1 < end, lineStarts[index + 1], case .text(let text) = nodes[index + 1] {
            contentIndentation = String(text.unicodeScalars.prefix { $0 == " " || $0 == "\t" })
        }
        let slotIndentation: String
        if tag.isStandalone {
            slotIndentation = index + 1 < end ? contentIndentation : (tag.indentation ?? "")
        } else {
            slotIndentation = tag.indentation ?? ""
        }
        return MustacheBlockSlot(
            name: tag.name, end: end, slotIndentation: slotIndentation,
            isInline: !tag.isStandalone, contentIndentation: contentIndentation)
    }

    // MARK: - Analysis

    private mutating func record(_ name: MustacheName, _ tag: MustacheTag) {
        analysis.variables.append(MustacheNameReference(path: name.path, sectionScopes: sectionScopes, line: tag.line, column: tag.column))
    }

    private mutating func reference(_ tag: MustacheTag) -> MustacheTemplateReference {
        if tag.isDynamic { record(MustacheName(tag.name), tag) }
        return MustacheTemplateReference(name: tag.name, isDynamic: tag.isDynamic, line: tag.line, column: tag.column)
    }
}
