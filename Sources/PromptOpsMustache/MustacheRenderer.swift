/// A block argument in effect while a parent template renders.
struct MustacheBlockOverride {
    /// The block's name.
    let name: String
    /// The program holding the argument's content.
    let program: MustacheProgram
    /// Instruction index of the argument's block in `program`.
    let instruction: Int
}

/// One render pass: output buffer, context stack, active block overrides and
/// indentation. A value type passed `inout`, so the hot loop needs no locks,
/// no dynamic exclusivity checks and no existentials.
struct MustacheRenderer<Document: MustacheDocument>: ~Copyable {
    /// How values are read (the value tree or a JSON tape).
    let document: Document
    /// Templates that partials and parents resolve against.
    let templates: [String: MustacheTemplate]
    /// Whether `{{name}}` escapes HTML.
    let escapesHTML: Bool
    /// The rendered bytes so far.
    var output: MustacheOutput
    /// The context stack, innermost last.
    var contexts: [Document.Value]
    /// Block arguments in effect; earlier (outer) entries take precedence.
    var overrides: [MustacheBlockOverride] = []
    /// Line transforms in effect, outermost first; empty in the common case.
    var indentation: [MustacheIndentTransform] = []
    /// Set while the first line of an inline block override is pending: it gets no added indentation.
    var inlineFirstLine = false
    /// Current nesting of partials, parents and block overrides.
    var expansionDepth = 0
    /// Current nesting of sections and expansions.
    var nestingDepth = 0
    /// Instructions this pass may still execute.
    var remainingSteps: Int
    /// The most bytes this pass may write.
    var maximumOutput = Int.max
    /// The limit that stopped this pass, if one did.
    var stopped: MustacheRenderLimit?

    /// Starts a pass with `context` as the only frame.
    init(document: Document, templates: [String: MustacheTemplate], escapesHTML: Bool, context: Document.Value, capacity: Int, steps: Int) {
        self.document = document
        self.templates = templates
        remainingSteps = steps
        self.escapesHTML = escapesHTML
        output = MustacheOutput(capacity: capacity)
        contexts = []
        contexts.reserveCapacity(8)
        contexts.append(context)
    }

    /// Renders `program.instructions[start..<end]`.
    mutating func render(_ program: MustacheProgram, from start: Int, to end: Int) {
        guard nestingDepth < MustacheLibrary.maximumNestingDepth else { return }
        nestingDepth += 1
        defer { nestingDepth -= 1 }
        // Borrow the tables once per call rather than once per instruction.
        program.instructions.withUnsafeBufferPointer { instructions in
            program.literals.withUnsafeBufferPointer { literals in
                program.names.withUnsafeBufferPointer { names in
                    run(program, instructions, literals, names, from: start, to: end)
                }
            }
        }
    }

    /// The interpreter loop behind ``render(_:from:to:)``.
    private mutating func run(
        _ program: MustacheProgram,
        _ instructions: UnsafeBufferPointer<MustacheInstruction>,
        _ literals: UnsafeBufferPointer<UInt8>,
        _ names: UnsafeBufferPointer<MustacheName>,
        from start: Int, to end: Int
    ) {
        var index = start
        while index < end {
            remainingSteps -= 1
            if remainingSteps < 0 {
                if stopped == nil { stopped = .steps }
                return
            }
            if output.byteCount > maximumOutput {
                if stopped == nil { stopped = .outputBytes }
                return
            }
            let instruction = instructions[index]
            if !indentation.isEmpty {
                if case .text(let literalStart, let count) = instruction {
                    appendIndented(program.literals[literalStart..<(literalStart + count)], startsLine: program.lineStarts[index])
                    index += 1
                    continue
                }
                if program.lineStarts[index] { appendLinePrefix() }
                inlineFirstLine = false
            }
            switch instruction {
            case .text(let literalStart, let count):
                output.append(UnsafeBufferPointer(rebasing: literals[literalStart..<(literalStart + count)]))
                index += 1
            case .variable(let name, let escaped):
                if let value = resolve(at: names.baseAddress! + name) { append(value, escaped: escaped && escapesHTML) }
                index += 1
            case .section(let name, let end):
                if let value = resolve(at: names.baseAddress! + name) { renderSection(value, program, from: index + 1, to: end) }
                index = end
            case .invertedSection(let name, let end):
                if !(resolve(at: names.baseAddress! + name).map(document.isTruthy) ?? false) { render(program, from: index + 1, to: end) }
                index = end
            case .partial(let call):
                expand(program, call: call)
                index += 1
            case .parent(let call, let end):
                expand(program, call: call)
                index = end
            case .block(let slot):
                let blockSlot = program.slots[slot]
                renderBlock(blockSlot, program, at: index)
                index = blockSlot.end
            }
        }
    }

    // MARK: - Values

    /// Resolves a dotted name: the head against the context stack (innermost first),
    /// the tail against the value found, with no further fallback.
    ///
    /// The search is charged to the step budget beyond the instruction's own step: one step
    /// per frame searched past the innermost and per tail segment, plus one per 64 bytes of
    /// every key looked up in an object. Otherwise one step could cost (stack depth × name
    /// length): a long name looked up through sixty nested sections in a loop ran for minutes
    /// within budget. (An object below ``MustacheObject/indexedFrom`` members is searched
    /// member by member: at most 15 comparisons, each bounded by the name's length — a
    /// constant factor on the same charge.)
    mutating func resolve(_ name: borrowing MustacheName) -> Document.Value? {
        withUnsafePointer(to: name) { resolve(at: $0) }
    }

    /// ``resolve(_:)`` of the name at `name`, read in place: a program's names are shared by
    /// every thread rendering it, and copying one (its head, its tail) was a retain and a
    /// release per tag on lines both cores read (hack/bench/http's render profile).
    mutating func resolve(at name: UnsafePointer<MustacheName>) -> Document.Value? {
        if name.pointee.isImplicitIterator { return contexts.last }
        var work = 0
        let headCost = name.pointee.head.utf8.count >> 6
        let document = document
        let found = contexts.withUnsafeBufferPointer { frames -> Document.Value? in
            var frame = frames.count - 1
            while frame >= 0 {
                work += frame < frames.count - 1 ? 1 : 0
                if document.isObject(frames[frame]) {
                    work += headCost
                    if let found = document.member(frames[frame], name.pointee.head) {
                        if name.pointee.tail.isEmpty { return found }
                        var value = found
                        for key in name.pointee.tail {
                            work += 1 + key.utf8.count >> 6
                            guard let next = document.member(value, key) else { return nil }
                            value = next
                        }
                        return value
                    }
                }
                frame -= 1
            }
            return nil
        }
        remainingSteps -= work
        return found
    }

    /// Writes an interpolated value, HTML-escaped when `escaped`.
    @inline(__always)
    mutating func append(_ value: Document.Value, escaped: Bool) {
        document.interpolate(value, into: &output, escaped: escaped)
    }

    // MARK: - Containers

    private mutating func renderSection(_ value: Document.Value, _ program: MustacheProgram, from start: Int, to end: Int) {
        switch document.sectionKind(value) {
        case .list(let count):
            for position in 0..<count {
                // Each iteration is a step: an empty body repeated by nested lists is work too,
                // and a pass that ran out stops iterating instead of calling empty bodies.
                remainingSteps -= 1
                if remainingSteps < 0 {
                    if stopped == nil { stopped = .steps }
                    return
                }
                contexts.append(document.item(value, at: position))
                render(program, from: start, to: end)
                contexts.removeLast()
            }
        case .skip:
            break
        case .push:
            contexts.append(value)
            render(program, from: start, to: end)
            contexts.removeLast()
        }
    }

    /// Finds the template a partial or parent tag names (hashing the name is charged like
    /// a key in ``resolve(_:)``).
    private mutating func template(for target: MustacheTemplateTarget) -> MustacheTemplate? {
        switch target {
        case .named(let name):
            remainingSteps -= name.utf8.count >> 6
            return templates[name]
        case .dynamic(let name):
            guard let value = resolve(name), let resolved = document.string(value) else { return nil }
            remainingSteps -= resolved.utf8.count >> 6
            return templates[resolved]
        }
    }

    /// Expands a partial (no arguments) or a parent (with its argument blocks).
    private mutating func expand(_ program: MustacheProgram, call index: Int) {
        let call = program.calls[index]
        guard expansionDepth < MustacheLibrary.maximumExpansionDepth, let template = template(for: call.target) else { return }
        let savedIndentation = indentation
        let savedOverrides = overrides.count
        if let lineIndentation = call.indentation {
            if !lineIndentation.isEmpty { indentation.append(MustacheIndentTransform(strip: [], add: Array(lineIndentation.utf8))) }
        } else if !indentation.isEmpty {
            indentation = []
        }
        // Registering the call's block arguments is work per argument (one step each), or a
        // parent call with thousands of arguments in a loop would cost that much per step.
        remainingSteps -= program.arguments[index].count
        for argument in program.arguments[index] {
            if let slot = program.slot(at: argument) {
                overrides.append(MustacheBlockOverride(name: slot.name, program: program, instruction: argument))
            }
        }
        inlineFirstLine = false
        expansionDepth += 1
        let target = template.program
        render(target, from: 0, to: target.instructions.count)
        expansionDepth -= 1
        if overrides.count > savedOverrides { overrides.removeSubrange(savedOverrides...) }
        indentation = savedIndentation
        inlineFirstLine = false
    }

    /// Renders a block slot: the first matching override if any, else its default content.
    private mutating func renderBlock(_ slot: MustacheBlockSlot, _ program: MustacheProgram, at index: Int) {
        // Each override searched is a step, like the arguments registered in expand.
        let position = overrides.firstIndex { $0.name == slot.name }
        remainingSteps -= position ?? overrides.count
        guard let position,
              case let override = overrides[position],
              let argument = override.program.slot(at: override.instruction)
        else {
            render(program, from: index + 1, to: slot.end)
            return
        }
        guard expansionDepth < MustacheLibrary.maximumExpansionDepth else { return }
        let savedIndentation = indentation
        let transform = MustacheIndentTransform(strip: Array(argument.contentIndentation.utf8), add: Array(slot.slotIndentation.utf8))
        if !transform.isIdentity || (slot.isInline && !indentation.isEmpty) {
            indentation.append(transform)
            inlineFirstLine = slot.isInline
        }
        expansionDepth += 1
        render(override.program, from: override.instruction + 1, to: argument.end)
        expansionDepth -= 1
        indentation = savedIndentation
        inlineFirstLine = false
    }
}
