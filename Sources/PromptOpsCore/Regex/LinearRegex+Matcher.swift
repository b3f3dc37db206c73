/// The Pike VM: simulates all threads of the program in lock step over the
/// text's Unicode scalars, so each scalar is looked at once per live state and
/// the work is O(text length × program states) whatever the pattern.
///
/// Leftmost-first priority: threads are kept in the order a backtracking engine
/// would try them; earlier-starting threads come first because a new start
/// thread is appended after the survivors at each position, and when a thread
/// matches, all lower-priority threads are dropped.
struct LinearRegexMatcher {
    /// One pending item of the epsilon closure: an instruction plus how many
    /// of its innermost tracked loops began an iteration at this position.
    struct PendingState {
        var pc: Int
        var startedLoops: Int
    }

    /// The program to run.
    let program: LinearRegexProgram
    /// Maximum number of steps before giving up.
    let budget: Int

    /// Finds the leftmost-first match in `text`; with `stopAtFirstMatch` it
    /// returns as soon as any match is known (enough for a yes/no answer).
    /// Also returns the number of steps used.
    func run(
        _ text: String, stopAtFirstMatch: Bool
    ) throws(LinearRegexBudgetExceeded) -> (range: Range<String.Index>?, steps: Int) {
        let scalars = text.unicodeScalars
        let end = scalars.endIndex
        let finalTerminator = LinearRegexMatcher.finalTerminatorStart(in: scalars)
        let capacity = program.instructions.count
        var current = LinearRegexThreadList(
            stateCount: program.stateCount, threadCapacity: capacity, placeholder: end)
        var next = current
        var pending: [PendingState] = []
        var steps = 0
        var found: Range<String.Index>?
        var position = LinearRegexPosition(
            index: scalars.startIndex, previous: nil, current: scalars.first)

        while true {
            if found == nil {
                if current.count == 0, let firstScalars = program.firstScalars {
                    // No thread alive: skip positions where no match can start.
                    var skipped = false
                    while let scalar = position.current, !firstScalars.contains(scalar.value) {
                        position.previous = scalar
                        position.index = scalars.index(after: position.index)
                        position.current = position.index < end ? scalars[position.index] : nil
                        skipped = true
                    }
                    if position.current == nil { break }
                    // States visited at the old position (say, a failed `\B`)
                    // must not block the same states here.
                    if skipped { current.removeAll() }
                }
                try addClosure(
                    from: 0, start: position.index, at: position, finalTerminator: finalTerminator,
                    into: &current, pending: &pending, steps: &steps)
            } else if current.count == 0 {
                break
            }

            let scalar = position.current
            let nextIndex = scalar == nil ? end : scalars.index(after: position.index)
            let nextPosition = LinearRegexPosition(
                index: nextIndex, previous: scalar, current: nextIndex < end ? scalars[nextIndex] : nil)
            var lowercased: Unicode.Scalar?
            next.removeAll()

            threads: for slot in 0..<current.count {
                steps += 1
                if steps > budget { throw LinearRegexBudgetExceeded(budget: budget) }
                let pc = Int(current.pcs[slot])
                let start = current.starts[slot]
                let advances: Bool
                switch program.instructions[pc] {
                case .match:
                    found = start..<position.index
                    if stopAtFirstMatch { return (found, steps) }
                    break threads  // Lower-priority threads lose to this match.
                case .scalar(let expected):
                    advances = scalar == expected
                case .foldedScalar(let expected):
                    guard let scalar else { continue threads }
                    if lowercased == nil { lowercased = LinearRegexCaseFolding.lowercase(scalar) }
                    advances = lowercased == expected
                case .characterClass(let index):
                    guard let scalar else { continue threads }
                    advances = program.classes[index].matches(scalar)
                case .anyScalar:
                    advances = scalar != nil
                case .anyScalarExceptLineTerminator:
                    guard let scalar else { continue threads }
                    advances = !LinearRegexPosition.isLineTerminator(scalar)
                case .split, .jump, .assertion, .iterationStart, .iterationEnd, .requiredIterationEnd:
                    continue threads  // Never stored as runnable threads.
                }
                if advances {
                    try addClosure(
                        from: pc + 1, start: start, at: nextPosition, finalTerminator: finalTerminator,
                        into: &next, pending: &pending, steps: &steps)
                }
            }

            if scalar == nil { break }
            swap(&current, &next)
            position = nextPosition
        }
        return (found, steps)
    }

    /// Adds the threads reachable from `pc` without consuming input at
    /// `position`, in priority order. Iterative (explicit stack), so the text
    /// or pattern cannot overflow the call stack; every popped item is a step.
    func addClosure(
        from pc: Int, start: String.Index, at position: LinearRegexPosition, finalTerminator: String.Index?,
        into list: inout LinearRegexThreadList, pending: inout [PendingState], steps: inout Int
    ) throws(LinearRegexBudgetExceeded) {
        pending.append(PendingState(pc: pc, startedLoops: 0))
        while let state = pending.popLast() {
            steps += 1
            if steps > budget { throw LinearRegexBudgetExceeded(budget: budget) }
            let pc = state.pc
            let instruction = program.instructions[pc]
            let key = program.stateBase[pc] + (instruction.isEpsilon ? state.startedLoops : 0)
            guard list.visit(key) else { continue }
            switch instruction {
            case .jump(let target):
                pending.append(PendingState(pc: target, startedLoops: state.startedLoops))
            case .split(let first, let second):
                // Pushed in reverse so that `first` is explored (and ranked) first.
                pending.append(PendingState(pc: second, startedLoops: state.startedLoops))
                pending.append(PendingState(pc: first, startedLoops: state.startedLoops))
            case .assertion(let assertion):
                if position.satisfies(assertion, finalTerminator: finalTerminator) {
                    pending.append(PendingState(pc: pc + 1, startedLoops: state.startedLoops))
                }
            case .iterationStart:
                pending.append(PendingState(pc: pc + 1, startedLoops: state.startedLoops + 1))
            case .iterationEnd(let again, let exit, let greedy):
                if state.startedLoops > 0 {
                    // The trip matched empty: leave the loop (Swift Regex, Perl).
                    pending.append(PendingState(pc: exit, startedLoops: state.startedLoops - 1))
                } else {
                    let (first, second) = greedy ? (again, exit) : (exit, again)
                    pending.append(PendingState(pc: second, startedLoops: 0))
                    pending.append(PendingState(pc: first, startedLoops: 0))
                }
            case .requiredIterationEnd(let exit):
                if state.startedLoops > 0 {
                    pending.append(PendingState(pc: exit, startedLoops: state.startedLoops - 1))
                } else {
                    pending.append(PendingState(pc: pc + 1, startedLoops: 0))
                }
            case .match, .scalar, .foldedScalar, .characterClass, .anyScalar, .anyScalarExceptLineTerminator:
                list.append(pc: pc, start: start)
            }
        }
    }

    /// Where a line terminator that ends the text begins ("\r\n" as one), which
    /// is where `$` and `\Z` match besides the very end.
    static func finalTerminatorStart(in scalars: String.UnicodeScalarView) -> String.Index? {
        guard let last = scalars.last, LinearRegexPosition.isLineTerminator(last) else { return nil }
        let lastIndex = scalars.index(before: scalars.endIndex)
        if last == "\n", lastIndex > scalars.startIndex {
            let beforeIndex = scalars.index(before: lastIndex)
            if scalars[beforeIndex] == "\r" { return beforeIndex }
        }
        return lastIndex
    }
}
