@testable import PromptOpsCore

/// Scalar offsets of `range` in `text`, which is how the tables state expectations.
func linearRegexScalarOffsets(_ range: Range<String.Index>?, in text: String) -> Range<Int>? {
    guard let range else { return nil }
    let scalars = text.unicodeScalars
    let lower = scalars.distance(from: scalars.startIndex, to: range.lowerBound)
    let upper = scalars.distance(from: scalars.startIndex, to: range.upperBound)
    return lower..<upper
}

/// Deterministic PRNG (SplitMix64) so the differential test is reproducible.
struct LinearRegexSeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
