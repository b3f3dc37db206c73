/// A set of Unicode scalar values as sorted, disjoint, non-adjacent ranges, with
/// a bitmap for ASCII because almost every tested scalar is ASCII.
struct LinearRegexScalarSet: Sendable, Hashable {
    /// Sorted, merged ranges of scalar values.
    private(set) var ranges: [ClosedRange<UInt32>]
    /// Membership of scalars 0..<64.
    private var asciiLow: UInt64 = 0
    /// Membership of scalars 64..<128.
    private var asciiHigh: UInt64 = 0

    /// The set of all values in `ranges` (in any order, overlaps allowed).
    init(_ ranges: [ClosedRange<UInt32>] = []) {
        var merged: [ClosedRange<UInt32>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        self.ranges = merged
        for range in merged where range.lowerBound < 128 {
            for value in range.lowerBound...min(range.upperBound, 127) {
                if value < 64 { asciiLow |= 1 << UInt64(value) } else { asciiHigh |= 1 << UInt64(value - 64) }
            }
        }
    }

    /// Whether `value` is in the set: a bit test for ASCII, else binary search.
    func contains(_ value: UInt32) -> Bool {
        if value < 64 { return asciiLow & (1 << UInt64(value)) != 0 }
        if value < 128 { return asciiHigh & (1 << UInt64(value - 64)) != 0 }
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < value {
                low = middle + 1
            } else if ranges[middle].lowerBound > value {
                high = middle
            } else {
                return true
            }
        }
        return false
    }

    /// The union of both sets.
    func union(_ other: LinearRegexScalarSet) -> LinearRegexScalarSet {
        LinearRegexScalarSet(ranges + other.ranges)
    }

    /// Every value in 0...0x10FFFF not in this set (surrogate values included;
    /// they never occur in a `String`, so that is harmless).
    func inverted() -> LinearRegexScalarSet {
        var result: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for range in ranges {
            if range.lowerBound > next { result.append(next...(range.lowerBound - 1)) }
            next = range.upperBound &+ 1
        }
        if next <= 0x10FFFF { result.append(next...0x10FFFF) }
        return LinearRegexScalarSet(result)
    }

    /// `\s`: the Unicode White_Space scalars (a short fixed list, so no tables).
    static let whitespace = LinearRegexScalarSet([
        0x09...0x0D, 0x20...0x20, 0x85...0x85, 0xA0...0xA0, 0x1680...0x1680,
        0x2000...0x200A, 0x2028...0x2029, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000,
    ])
    /// `\h`: horizontal whitespace, as in PCRE.
    static let horizontalWhitespace = LinearRegexScalarSet([
        0x09...0x09, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x180E...0x180E,
        0x2000...0x200A, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000,
    ])
    /// `\v` and the line terminators used by `.`, `^`, `$`: LF, VT, FF, CR, NEL,
    /// LS, PS — the scalars Swift's `Character.isNewline` accepts.
    static let lineTerminators = LinearRegexScalarSet([0x0A...0x0D, 0x85...0x85, 0x2028...0x2029])
}

/// Unicode-aware members of `\d` and `\w`, tested by scalar property rather than
/// by tables; ASCII is answered without touching the property database.
enum LinearRegexUnicodeProperty: Sendable, Hashable {
    /// `\d`: general category Nd (decimal digits in any script).
    case decimalDigit
    /// `\w`: alphabetic, marks, Nd, connector punctuation (`_`), join controls.
    case wordCharacter

    /// Whether `scalar` has the property.
    func matches(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        switch self {
        case .decimalDigit:
            if value < 128 { return value >= 0x30 && value <= 0x39 }
            return scalar.properties.generalCategory == .decimalNumber
        case .wordCharacter:
            return LinearRegexUnicodeProperty.isWordScalar(scalar)
        }
    }

    /// The `\w` test, also used by `\b` and `\B`.
    static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        if value < 128 {
            return (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A)
                || (value >= 0x61 && value <= 0x7A) || value == 0x5F
        }
        if value == 0x200C || value == 0x200D { return true }
        let properties = scalar.properties
        if properties.isAlphabetic { return true }
        switch properties.generalCategory {
        case .decimalNumber, .nonspacingMark, .spacingMark, .enclosingMark, .connectorPunctuation:
            return true
        default:
            return false
        }
    }
}

/// A compiled character class: explicit scalars plus property tests, with
/// negation and case folding applied at match time so that `(?i)[^a]` excludes
/// both `a` and `A` (folding after negating would get that wrong).
struct LinearRegexCharacterClass: Sendable, Hashable {
    /// Explicitly listed scalars and ranges.
    var scalars = LinearRegexScalarSet()
    /// Members: every scalar with one of these properties (`\d`, `\w`).
    var properties: [LinearRegexUnicodeProperty] = []
    /// Members: every scalar lacking one of these properties (`\D`, `\W`).
    var excludedProperties: [LinearRegexUnicodeProperty] = []
    /// `[^…]`, or a negated escape like `\S` used on its own.
    var negated = false
    /// `(?i)` was in force: a scalar also matches through its case mappings.
    var caseInsensitive = false

    /// Whether the class uses no property tests, so `scalars` alone decides.
    var isPlainSet: Bool { properties.isEmpty && excludedProperties.isEmpty }

    /// Adds the members of `other` (which must not be negated) to this class.
    mutating func formUnion(_ other: LinearRegexCharacterClass) {
        scalars = scalars.union(other.scalars)
        properties += other.properties
        excludedProperties += other.excludedProperties
    }

    /// Membership before negation and case folding.
    private func containsExactly(_ scalar: Unicode.Scalar) -> Bool {
        if scalars.contains(scalar.value) { return true }
        for property in properties where property.matches(scalar) { return true }
        for property in excludedProperties where !property.matches(scalar) { return true }
        return false
    }

    /// Whether `scalar` matches. Case-insensitively a scalar matches if it, its
    /// lowercase or its uppercase mapping is a member (simple folding).
    func matches(_ scalar: Unicode.Scalar) -> Bool {
        var found = containsExactly(scalar)
        if !found && caseInsensitive {
            found = containsExactly(LinearRegexCaseFolding.lowercase(scalar))
                || containsExactly(LinearRegexCaseFolding.uppercase(scalar))
        }
        return found != negated
    }
}

/// Simple, scalar-to-scalar case mappings. Multi-scalar mappings ("ß" → "SS")
/// are ignored, which is the documented "simple case folding" of this engine.
enum LinearRegexCaseFolding {
    /// The single-scalar lowercase mapping of `scalar`, or `scalar` itself.
    static func lowercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let value = scalar.value
        if value < 128 {
            return value >= 0x41 && value <= 0x5A ? Unicode.Scalar(UInt8(value + 0x20)) : scalar
        }
        let mapped = scalar.properties.lowercaseMapping.unicodeScalars
        return mapped.count == 1 ? mapped[mapped.startIndex] : scalar
    }

    /// The single-scalar uppercase mapping of `scalar`, or `scalar` itself.
    static func uppercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let value = scalar.value
        if value < 128 {
            return value >= 0x61 && value <= 0x7A ? Unicode.Scalar(UInt8(value - 0x20)) : scalar
        }
        let mapped = scalar.properties.uppercaseMapping.unicodeScalars
        return mapped.count == 1 ? mapped[mapped.startIndex] : scalar
    }
}
