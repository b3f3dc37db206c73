/// Translates a `LinearRegexNode` into a `LinearRegexProgram` (Thompson
/// construction), enforcing the program-size limit as it goes so that counted
/// repetitions like `(a{1000}){1000}` fail fast instead of expanding.
struct LinearRegexCompiler {
    /// Largest allowed number of instructions.
    let maximumSize: Int
    /// Instructions emitted so far.
    var instructions: [LinearRegexInstruction] = []
    /// For each instruction, how many tracked loops (see `iterationStart`) enclose it.
    var loopDepths: [Int] = []
    /// Class tables referenced by the instructions.
    var classes: [LinearRegexCharacterClass] = []
    /// Tracked loops enclosing the instruction being emitted.
    var loopDepth = 0
    /// Offset of the outermost quantifier being expanded: the usual culprit
    /// when the program grows too large, so errors point there.
    var outerRepetitionOffset: Int?

    /// Compiles `node` followed by a `match` instruction.
    static func compile(
        _ node: LinearRegexNode, maximumSize: Int
    ) throws(LinearRegexError) -> LinearRegexProgram {
        var compiler = LinearRegexCompiler(maximumSize: maximumSize)
        try compiler.emit(node)
        _ = try compiler.append(.match)
        let program = LinearRegexProgram(
            instructions: compiler.instructions, loopDepths: compiler.loopDepths, classes: compiler.classes)
        // Nested loops over empty-matching bodies multiply VM states; keep the
        // VM's memory proportional to the limit the caller chose.
        if program.stateCount > 4 * maximumSize {
            throw LinearRegexError(offset: 0, message: LinearRegexMessage.patternTooLarge
                + ": too many nested repetitions of groups that can match empty")
        }
        return program
    }

    /// Appends one instruction and returns its index.
    mutating func append(_ instruction: LinearRegexInstruction) throws(LinearRegexError) -> Int {
        guard instructions.count < maximumSize else {
            throw LinearRegexError(
                offset: outerRepetitionOffset ?? 0,
                message: LinearRegexMessage.patternTooLarge + ": it compiles to more than \(maximumSize) instructions")
        }
        instructions.append(instruction)
        loopDepths.append(loopDepth)
        return instructions.count - 1
    }

    /// Index of the next instruction to be appended.
    var nextIndex: Int { instructions.count }

    /// Emits the instructions for `node`.
    mutating func emit(_ node: LinearRegexNode) throws(LinearRegexError) {
        switch node {
        case .empty:
            break
        case .scalar(let scalar, let caseInsensitive):
            // ASCII non-letters have no case; everything else folds at match time.
            let hasCase = !scalar.isASCII || scalar.properties.isAlphabetic
            if caseInsensitive && hasCase {
                _ = try append(.foldedScalar(LinearRegexCaseFolding.lowercase(scalar)))
            } else {
                _ = try append(.scalar(scalar))
            }
        case .characterClass(let characterClass):
            classes.append(characterClass)
            _ = try append(.characterClass(classes.count - 1))
        case .anyScalar(let dotAll):
            _ = try append(dotAll ? .anyScalar : .anyScalarExceptLineTerminator)
        case .assertion(let assertion):
            _ = try append(.assertion(assertion))
        case .concatenation(let items):
            for item in items { try emit(item) }
        case .alternation(let branches):
            try emitAlternation(branches)
        case .repetition(let body, let min, let max, let greedy, let offset):
            let isOutermost = outerRepetitionOffset == nil
            if isOutermost { outerRepetitionOffset = offset }
            try emitRepetition(body, min: min, max: max, greedy: greedy)
            if isOutermost { outerRepetitionOffset = nil }
        }
    }

    /// `split L1, next; L1: a; jump end; next: split L2, …; last; end:`.
    mutating func emitAlternation(_ branches: [LinearRegexNode]) throws(LinearRegexError) {
        var jumpsToEnd: [Int] = []
        for branch in branches.dropLast() {
            let split = try append(.split(0, 0))
            try emit(branch)
            jumpsToEnd.append(try append(.jump(0)))
            instructions[split] = .split(split + 1, nextIndex)
        }
        try emit(branches[branches.count - 1])
        for jump in jumpsToEnd { instructions[jump] = .jump(nextIndex) }
    }

    /// Counted parts are expanded (`x{2,4}` is `x x (x (x)?)?`, nested so that
    /// greedy/lazy priority works like backtracking); unbounded ones loop.
    mutating func emitRepetition(
        _ body: LinearRegexNode, min: Int, max: Int?, greedy: Bool
    ) throws(LinearRegexError) {
        if let max {
            for _ in 0..<min { try emit(body) }
            var splits: [Int] = []
            for _ in min..<max {
                splits.append(try append(.split(0, 0)))
                try emit(body)
            }
            let end = nextIndex
            for split in splits {
                instructions[split] = greedy ? .split(split + 1, end) : .split(end, split + 1)
            }
        } else if body.canMatchEmpty {
            try emitTrackedRepetition(body, min: min, greedy: greedy)
        } else {
            // x{n,} is x{n-1} x+, and x+ is `start: x; split(start, exit)`;
            // x* is `split(x+, exit)`. Every trip consumes, so no checks.
            for _ in 0..<Swift.max(min - 1, 0) { try emit(body) }
            let head = min == 0 ? try append(.split(0, 0)) : nil
            let start = nextIndex
            try emit(body)
            let split = try append(.split(0, 0))
            instructions[split] = greedy ? .split(start, split + 1) : .split(split + 1, start)
            if let head {
                instructions[head] = greedy ? .split(head + 1, nextIndex) : .split(nextIndex, head + 1)
            }
        }
    }

    /// An unbounded quantifier whose body can match empty. Each trip is
    /// bracketed by `iterationStart` … end instruction so the VM can tell an
    /// empty trip and leave the quantifier, as Swift `Regex` does:
    /// `(iterationStart body requiredIterationEnd){n-1}` then the loop
    /// `iterationStart body iterationEnd`, behind a `split` when n is 0.
    mutating func emitTrackedRepetition(
        _ body: LinearRegexNode, min: Int, greedy: Bool
    ) throws(LinearRegexError) {
        var requiredEnds: [Int] = []
        for _ in 0..<Swift.max(min - 1, 0) {
            _ = try append(.iterationStart)
            loopDepth += 1
            try emit(body)
            requiredEnds.append(try append(.requiredIterationEnd(exit: 0)))
            loopDepth -= 1
        }
        let head = min == 0 ? try append(.split(0, 0)) : nil
        let start = try append(.iterationStart)
        loopDepth += 1
        try emit(body)
        let end = try append(.iterationEnd(again: start, exit: 0, greedy: greedy))
        loopDepth -= 1
        let exit = nextIndex
        instructions[end] = .iterationEnd(again: start, exit: exit, greedy: greedy)
        for requiredEnd in requiredEnds { instructions[requiredEnd] = .requiredIterationEnd(exit: exit) }
        if let head {
            instructions[head] = greedy ? .split(start, exit) : .split(exit, start)
        }
    }
}
