/// Bracket classes and the escapes that denote a single scalar.
extension LinearRegexParser {
    /// One member of a bracket class before ranges are formed.
    enum ClassItem {
        case scalar(Unicode.Scalar)
        case members(LinearRegexCharacterClass)
    }

    /// Parses `[…]` / `[^…]`. A leading "]" is refused rather than taken
    /// literally, and so are nested classes and `&&`: Swift `Regex` gives those
    /// set-operation meanings, and silently reading them differently would change
    /// what an existing policy matches.
    mutating func parseBracketClass() throws(LinearRegexError) -> LinearRegexNode {
        let open = position
        position += 1
        var result = LinearRegexCharacterClass()
        if current == "^" {
            result.negated = true
            position += 1
        }
        if current == "]" { throw error(at: position, LinearRegexMessage.emptyClass) }
        var ranges: [ClosedRange<UInt32>] = []
        while true {
            guard let next = current else { throw error(at: open, LinearRegexMessage.missingBracket) }
            if next == "]" {
                position += 1
                break
            }
            if next == "[" {
                guard let posix = try parsePOSIXClass() else {
                    throw error(at: position, LinearRegexMessage.nestedClass)
                }
                result.formUnion(posix)
                continue
            }
            if next == "&" && character(at: position + 1) == "&" {
                throw error(at: position, LinearRegexMessage.classSetOperation)
            }
            let itemStart = position
            let item = try parseClassItem()
            // A "-" starts a range unless it is the last thing before "]".
            let startsRange = current == "-" && character(at: position + 1).map { $0 != "]" } ?? false
            switch item {
            case .members(let members):
                if startsRange { throw error(at: itemStart, LinearRegexMessage.classRangeEndpoint) }
                result.formUnion(members)
            case .scalar(let low) where startsRange:
                position += 1
                let highStart = position
                if current == "[" { throw error(at: highStart, LinearRegexMessage.nestedClass) }
                guard case .scalar(let high) = try parseClassItem() else {
                    throw error(at: highStart, LinearRegexMessage.classRangeEndpoint)
                }
                guard low.value <= high.value else {
                    throw error(at: itemStart, LinearRegexMessage.classRangeOrder)
                }
                ranges.append(low.value...high.value)
            case .scalar(let single):
                ranges.append(single.value...single.value)
            }
        }
        result.scalars = result.scalars.union(LinearRegexScalarSet(ranges))
        result.caseInsensitive = flags.caseInsensitive
        return .characterClass(result)
    }

    /// One class member: an escape or a single-scalar character.
    mutating func parseClassItem() throws(LinearRegexError) -> ClassItem {
        let start = position
        let next = characters[position]
        guard next == "\\" else {
            let scalars = next.unicodeScalars
            guard scalars.count == 1, let scalar = scalars.first else {
                throw error(at: start, LinearRegexMessage.multiScalarClassMember)
            }
            position += 1
            return .scalar(scalar)
        }
        guard let escaped = character(at: position + 1) else {
            throw error(at: start, LinearRegexMessage.trailingBackslash)
        }
        position += 2
        if let members = LinearRegexParser.classEscape(escaped) { return .members(members) }
        if "BAzZN".contains(escaped) {
            throw error(at: start, LinearRegexMessage.unsupportedInClass(escaped))
        }
        return .scalar(try parseScalarEscape(escaped, start: start, insideClass: true))
    }

    /// `[:name:]` or `[:^name:]` (ASCII POSIX classes) at `position`, or nil if
    /// the text there is not of that form (then it is a nested class).
    mutating func parsePOSIXClass() throws(LinearRegexError) -> LinearRegexCharacterClass? {
        guard character(at: position + 1) == ":" else { return nil }
        var end = position + 2
        var name = ""
        while let next = character(at: end), next != ":", next != "]" {
            name.append(next)
            end += 1
        }
        guard character(at: end) == ":", character(at: end + 1) == "]" else { return nil }
        let negated = name.hasPrefix("^")
        if negated { name.removeFirst() }
        guard let set = LinearRegexParser.posixClasses[name] else {
            throw error(at: position, LinearRegexMessage.unknownPOSIXClass(name))
        }
        position = end + 2
        return LinearRegexCharacterClass(scalars: negated ? set.inverted() : set)
    }

    /// The POSIX classes, ASCII only as in PCRE's default mode.
    static let posixClasses: [String: LinearRegexScalarSet] = [
        "alnum": LinearRegexScalarSet([0x30...0x39, 0x41...0x5A, 0x61...0x7A]),
        "alpha": LinearRegexScalarSet([0x41...0x5A, 0x61...0x7A]),
        "ascii": LinearRegexScalarSet([0x00...0x7F]),
        "blank": LinearRegexScalarSet([0x09...0x09, 0x20...0x20]),
        "cntrl": LinearRegexScalarSet([0x00...0x1F, 0x7F...0x7F]),
        "digit": LinearRegexScalarSet([0x30...0x39]),
        "graph": LinearRegexScalarSet([0x21...0x7E]),
        "lower": LinearRegexScalarSet([0x61...0x7A]),
        "print": LinearRegexScalarSet([0x20...0x7E]),
        "punct": LinearRegexScalarSet([0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E]),
        "space": LinearRegexScalarSet([0x09...0x0D, 0x20...0x20]),
        "upper": LinearRegexScalarSet([0x41...0x5A]),
        "word": LinearRegexScalarSet([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]),
        "xdigit": LinearRegexScalarSet([0x30...0x39, 0x41...0x46, 0x61...0x66]),
    ]

    /// An escape denoting one scalar; `start` is the offset of the backslash and
    /// `position` is already past the escaped character.
    mutating func parseScalarEscape(
        _ escaped: Character, start: Int, insideClass: Bool
    ) throws(LinearRegexError) -> Unicode.Scalar {
        switch escaped {
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "f": return "\u{0C}"
        case "a": return "\u{07}"
        case "e": return "\u{1B}"
        case "b" where insideClass: return "\u{08}"
        case "0":
            // \0 then up to two more octal digits, as in PCRE.
            var value: UInt32 = 0
            for _ in 0..<2 {
                guard let digit = current, let octal = digit.hexDigitValue, octal < 8, digit.isASCII else { break }
                value = value * 8 + UInt32(octal)
                position += 1
            }
            return Unicode.Scalar(UInt8(value))
        case "x", "u":
            return try parseHexEscape(start: start, fixedDigits: escaped == "x" ? 2 : 4, exact: escaped == "u")
        case "1"..."9", "k", "g":
            throw error(at: start, LinearRegexMessage.backreference)
        case "p", "P":
            throw error(at: start, LinearRegexMessage.unicodeProperty)
        default:
            break
        }
        if escaped.isASCII && !escaped.isLetter && !escaped.isNumber, let scalar = escaped.unicodeScalars.first {
            return scalar  // Any escaped ASCII punctuation or space is itself.
        }
        if "GKXRCQEcoOlLuU".contains(escaped) {
            throw error(at: start, LinearRegexMessage.unsupportedEscape(escaped))
        }
        throw error(at: start, LinearRegexMessage.unknownEscape(escaped))
    }

    /// `\x{H…}` / `\u{H…}` (1–8 digits), `\xH` / `\xHH`, or `\uHHHH` (`exact`).
    mutating func parseHexEscape(
        start: Int, fixedDigits: Int, exact: Bool
    ) throws(LinearRegexError) -> Unicode.Scalar {
        var value: UInt32 = 0
        var digits = 0
        let braced = current == "{"
        if braced { position += 1 }
        while let digit = current, digit.isASCII, let hex = digit.hexDigitValue, braced || digits < fixedDigits {
            guard digits < 8 else { throw error(at: start, LinearRegexMessage.invalidHex) }
            value = value * 16 + UInt32(hex)
            digits += 1
            position += 1
        }
        if braced {
            guard current == "}", digits > 0 else { throw error(at: start, LinearRegexMessage.invalidHex) }
            position += 1
        } else if digits == 0 || (exact && digits != fixedDigits) {
            throw error(at: start, LinearRegexMessage.invalidHex)
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw error(at: start, LinearRegexMessage.invalidScalar)
        }
        return scalar
    }
}
