/// The threads alive at one text position, in priority order, plus the set of
/// VM states already reached there.
///
/// The visited set is a sparse set (Briggs–Torczon): membership, insertion and
/// clearing are O(1) without zeroing memory, which is what keeps each text
/// position O(program size).
struct LinearRegexThreadList {
    /// state key -> slot in `visitedKeys` (garbage unless confirmed by it).
    private var sparse: [Int32]
    /// The state keys visited at this position, in visiting order.
    private var visitedKeys: [Int32]
    /// Number of valid entries in `visitedKeys`.
    private var visitedCount = 0
    /// Program counters of the runnable threads (consuming or `match`).
    private(set) var pcs: [Int32]
    /// Where each runnable thread's match attempt started.
    private(set) var starts: [String.Index]
    /// Number of runnable threads.
    private(set) var count = 0

    /// An empty list for a program with `stateCount` states and at most
    /// `threadCapacity` runnable threads; `placeholder` fills unused slots.
    init(stateCount: Int, threadCapacity: Int, placeholder: String.Index) {
        sparse = Array(repeating: 0, count: stateCount)
        visitedKeys = Array(repeating: 0, count: stateCount)
        pcs = Array(repeating: 0, count: threadCapacity)
        starts = Array(repeating: placeholder, count: threadCapacity)
    }

    /// Marks `key` visited; returns false if it already was.
    mutating func visit(_ key: Int) -> Bool {
        let slot = Int(sparse[key])
        if slot < visitedCount && Int(visitedKeys[slot]) == key { return false }
        sparse[key] = Int32(visitedCount)
        visitedKeys[visitedCount] = Int32(key)
        visitedCount += 1
        return true
    }

    /// Appends a runnable thread with the lowest priority so far.
    mutating func append(pc: Int, start: String.Index) {
        pcs[count] = Int32(pc)
        starts[count] = start
        count += 1
    }

    /// Empties the list in O(1).
    mutating func removeAll() {
        visitedCount = 0
        count = 0
    }
}

/// A text position as the assertions see it.
struct LinearRegexPosition {
    /// Index of `current` (or the end index).
    var index: String.Index
    /// The scalar before the position; nil at the start.
    var previous: Unicode.Scalar?
    /// The scalar at the position; nil at the end.
    var current: Unicode.Scalar?

    /// Whether `scalar` is LF, VT, FF, CR, NEL, LS or PS.
    static func isLineTerminator(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return (value >= 0x0A && value <= 0x0D) || value == 0x85 || value == 0x2028 || value == 0x2029
    }

    /// Whether `assertion` holds here. `finalTerminator` is where a line
    /// terminator ending the text starts ("\r\n" counts as one), if any.
    func satisfies(_ assertion: LinearRegexAssertion, finalTerminator: String.Index?) -> Bool {
        switch assertion {
        case .textStart:
            return previous == nil
        case .textEnd:
            return current == nil
        case .textEndOrBeforeFinalNewline:
            return current == nil || index == finalTerminator
        case .lineStart:
            guard let previous else { return true }
            return LinearRegexPosition.isLineTerminator(previous) && !isInsideCRLF
        case .lineEnd:
            guard let current else { return true }
            return LinearRegexPosition.isLineTerminator(current) && !isInsideCRLF
        case .wordBoundary:
            return isAfterWord != isBeforeWord
        case .notWordBoundary:
            return isAfterWord == isBeforeWord
        }
    }

    /// Between the "\r" and "\n" of a CRLF, which is one line terminator.
    private var isInsideCRLF: Bool { previous == "\r" && current == "\n" }

    private var isAfterWord: Bool { previous.map(LinearRegexUnicodeProperty.isWordScalar) ?? false }

    private var isBeforeWord: Bool { current.map(LinearRegexUnicodeProperty.isWordScalar) ?? false }
}
