/// One instruction of the Pike VM program.
enum LinearRegexInstruction: Sendable, Equatable {
    /// Consumes exactly this scalar.
    case scalar(Unicode.Scalar)
    /// Consumes a scalar whose simple lowercase mapping is this (already
    /// lowercased) scalar: the case-insensitive literal.
    case foldedScalar(Unicode.Scalar)
    /// Consumes a scalar in `LinearRegexProgram.classes[index]`.
    case characterClass(Int)
    /// Consumes any scalar (`.` under `(?s)`).
    case anyScalar
    /// Consumes any scalar except a line terminator (`.`, `\N`).
    case anyScalarExceptLineTerminator
    /// Continues at both targets, the first with higher priority.
    case split(Int, Int)
    /// Continues at the target.
    case jump(Int)
    /// Continues at the next instruction if the assertion holds here.
    case assertion(LinearRegexAssertion)
    /// Begins a trip through the body of an unbounded quantifier whose body
    /// can match empty.
    case iterationStart
    /// Ends an optional trip. If it began at this same position (it matched
    /// empty), only `exit` is taken — the progress check of Swift `Regex` (and
    /// Perl's rule), which decides the ends reported for `(a|)*` vs `(|a)*`.
    /// Otherwise it loops to `again` and `exit`, in greedy or lazy priority.
    case iterationEnd(again: Int, exit: Int, greedy: Bool)
    /// Ends one of the required trips of `x{n,}`: an empty trip leaves the
    /// whole quantifier at `exit` (Swift `Regex` checks progress on every trip
    /// of an unbounded quantifier, required ones included); otherwise the next
    /// trip follows.
    case requiredIterationEnd(exit: Int)
    /// Reports a match.
    case match

    /// Whether the instruction moves without consuming input.
    var isEpsilon: Bool {
        switch self {
        case .split, .jump, .assertion, .iterationStart, .iterationEnd, .requiredIterationEnd: return true
        default: return false
        }
    }
}

/// A compiled pattern.
///
/// Threads are deduplicated per text position by *state*, not just by
/// instruction: inside loops whose body can match empty, an epsilon instruction
/// is reached with 0…depth of its enclosing such loops "started at this
/// position", and that number decides what `iterationEnd` does. Consuming
/// instructions forget it, so they have one state each.
struct LinearRegexProgram: Sendable {
    /// The instructions; execution starts at 0.
    var instructions: [LinearRegexInstruction]
    /// Class tables referenced by `.characterClass`.
    var classes: [LinearRegexCharacterClass]
    /// First state key of each instruction.
    var stateBase: [Int]
    /// Total number of states (size of the VM's visited sets).
    var stateCount: Int
    /// If not nil, every match starts with a scalar in this set, so the search
    /// may skip other positions while no thread is alive.
    var firstScalars: LinearRegexScalarSet?

    /// Builds the state table and the first-scalar filter for `instructions`.
    init(
        instructions: [LinearRegexInstruction], loopDepths: [Int], classes: [LinearRegexCharacterClass]
    ) {
        self.instructions = instructions
        self.classes = classes
        var base: [Int] = []
        var total = 0
        for (pc, instruction) in instructions.enumerated() {
            base.append(total)
            total += instruction.isEpsilon ? loopDepths[pc] + 1 : 1
        }
        stateBase = base
        stateCount = total
        firstScalars = nil
        firstScalars = computeFirstScalars()
    }

    /// The scalars that can be consumed first, ignoring assertions (which only
    /// narrow things down), or nil if a match could be empty or the first
    /// instruction is not a plain set of scalars.
    private func computeFirstScalars() -> LinearRegexScalarSet? {
        var visited = Set<Int>()
        var pending = [0]
        var ranges: [ClosedRange<UInt32>] = []
        while let pc = pending.popLast() {
            guard visited.insert(pc).inserted else { continue }
            switch instructions[pc] {
            case .scalar(let scalar):
                ranges.append(scalar.value...scalar.value)
            case .foldedScalar(let lower) where lower.isASCII:
                let upper = LinearRegexCaseFolding.uppercase(lower)
                ranges += [lower.value...lower.value, upper.value...upper.value]
                // KELVIN SIGN is the one non-ASCII scalar that lowercases to ASCII ("k").
                if lower == "k" { ranges.append(0x212A...0x212A) }
            case .characterClass(let index):
                let characterClass = classes[index]
                guard characterClass.isPlainSet, !characterClass.negated, !characterClass.caseInsensitive else {
                    return nil
                }
                ranges += characterClass.scalars.ranges
            case .foldedScalar, .anyScalar, .anyScalarExceptLineTerminator, .match:
                return nil
            case .split(let first, let second), .iterationEnd(let first, let second, _):
                pending += [first, second]
            case .requiredIterationEnd(let exit):
                pending += [pc + 1, exit]
            case .jump(let target):
                pending.append(target)
            case .assertion, .iterationStart:
                pending.append(pc + 1)
            }
        }
        return LinearRegexScalarSet(ranges)
    }
}
