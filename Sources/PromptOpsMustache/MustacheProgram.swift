/// One executable instruction. Payloads are plain integers (indices into the
/// program's tables), so reading an instruction costs no reference counting.
enum MustacheInstruction: Sendable {
    /// Literal bytes `literals[start..<start + count]`.
    case text(start: Int, count: Int)
    /// Interpolates `names[name]`.
    case variable(name: Int, escaped: Bool)
    /// Section over `names[name]`; children up to `end`.
    case section(name: Int, end: Int)
    /// Inverted section over `names[name]`; children up to `end`.
    case invertedSection(name: Int, end: Int)
    /// Partial `calls[call]`.
    case partial(call: Int)
    /// Parent `calls[call]` with `arguments[call]`; body up to `end`.
    case parent(call: Int, end: Int)
    /// Block `slots[slot]`.
    case block(slot: Int)
}

/// A compiled template: flat instructions with side tables, immutable and shared
/// between copies of ``MustacheTemplate``.
final class MustacheProgram: Sendable {
    /// The instructions.
    let instructions: [MustacheInstruction]
    /// Whether each instruction begins an output line (needed only when indenting).
    let lineStarts: [Bool]
    /// All literal text, back to back, as UTF-8.
    let literals: [UInt8]
    /// Names read by variables and sections.
    let names: [MustacheName]
    /// Partial and parent call sites.
    let calls: [MustacheCall]
    /// For each call: instruction indices of its argument blocks (empty for partials).
    let arguments: [[Int]]
    /// Block slots.
    let slots: [MustacheBlockSlot]
    /// A starting capacity for the output buffer.
    let capacityHint: Int
    /// The static analysis of the template.
    let analysis: MustacheAnalysis
    /// The source text.
    let source: String

    /// Lowers compiler nodes into instructions and tables.
    init(nodes: [MustacheNode], lineStarts: [Bool], interpolations: Int, analysis: MustacheAnalysis, source: String) {
        var instructions: [MustacheInstruction] = []
        var literals: [UInt8] = []
        var names: [MustacheName] = []
        var calls: [MustacheCall] = []
        var arguments: [[Int]] = []
        var slots: [MustacheBlockSlot] = []
        instructions.reserveCapacity(nodes.count)
        for node in nodes {
            switch node {
            case .text(let text):
                instructions.append(.text(start: literals.count, count: text.utf8.count))
                literals.append(contentsOf: text.utf8)
            case .variable(let name, let escaped):
                instructions.append(.variable(name: names.count, escaped: escaped))
                names.append(name)
            case .section(let name, let end):
                instructions.append(.section(name: names.count, end: end))
                names.append(name)
            case .invertedSection(let name, let end):
                instructions.append(.invertedSection(name: names.count, end: end))
                names.append(name)
            case .partial(let call):
                instructions.append(.partial(call: calls.count))
                calls.append(call)
                arguments.append([])
            case .parent(let call, let blockNodes, let end):
                instructions.append(.parent(call: calls.count, end: end))
                calls.append(call)
                arguments.append(blockNodes)
            case .block(let slot):
                instructions.append(.block(slot: slots.count))
                slots.append(slot)
            }
        }
        self.instructions = instructions
        self.lineStarts = lineStarts
        self.literals = literals
        self.names = names
        self.calls = calls
        self.arguments = arguments
        self.slots = slots
        self.capacityHint = literals.count + interpolations * 24 + 16
        self.analysis = analysis
        self.source = source
    }

    /// `other` without its analysis and source text: what rendering reads, and nothing else.
    init(renderingOnly other: MustacheProgram) {
        instructions = other.instructions
        lineStarts = other.lineStarts
        literals = other.literals
        names = other.names
        calls = other.calls
        arguments = other.arguments
        slots = other.slots
        capacityHint = other.capacityHint
        analysis = MustacheAnalysis()
        source = ""
    }

    /// The slot of the block instruction at `index`, if it is one.
    func slot(at index: Int) -> MustacheBlockSlot? {
        guard case .block(let slot) = instructions[index] else { return nil }
        return slots[slot]
    }
}
