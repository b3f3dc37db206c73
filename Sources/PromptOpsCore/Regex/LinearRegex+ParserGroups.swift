/// Groups, inline flags and escapes outside bracket classes.
extension LinearRegexParser {
    /// Parses a group starting at "(". Returns nil for constructs that match
    /// nothing and take no quantifier: flag settings `(?i)` and comments `(?#…)`.
    /// Constructs that need backtracking are refused at the "(" offset.
    mutating func parseGroup() throws(LinearRegexError) -> LinearRegexNode? {
        let open = position
        position += 1
        guard current == "?" else {
            return try parseGroupBody(open: open, bodyFlags: flags)
        }
        position += 1
        guard let marker = current else { throw error(at: open, LinearRegexMessage.missingClose) }
        let next = character(at: position + 1)
        switch marker {
        case ":":
            position += 1
            return try parseGroupBody(open: open, bodyFlags: flags)
        case "<" where next == "=" || next == "!":
            throw error(at: open, LinearRegexMessage.lookbehind)
        case "<":
            position += 1
            try parseGroupName(terminator: ">")
            return try parseGroupBody(open: open, bodyFlags: flags)
        case "'":
            position += 1
            try parseGroupName(terminator: "'")
            return try parseGroupBody(open: open, bodyFlags: flags)
        case "P" where next == "<":
            position += 2
            try parseGroupName(terminator: ">")
            return try parseGroupBody(open: open, bodyFlags: flags)
        case "P" where next == "=":
            throw error(at: open, LinearRegexMessage.backreference)
        case "P" where next == ">":
            throw error(at: open, LinearRegexMessage.recursion)
        case "=", "!":
            throw error(at: open, LinearRegexMessage.lookahead)
        case ">":
            throw error(at: open, LinearRegexMessage.atomicGroup)
        case "(":
            throw error(at: open, LinearRegexMessage.conditional)
        case "|":
            throw error(at: open, LinearRegexMessage.branchReset)
        case "R", "&", "+":
            throw error(at: open, LinearRegexMessage.recursion)
        case _ where marker.isASCII && marker.isNumber:
            throw error(at: open, LinearRegexMessage.recursion)
        case "-" where next.map { $0.isASCII && $0.isNumber } ?? false:
            throw error(at: open, LinearRegexMessage.recursion)
        case "#":
            while let commented = current, commented != ")" { position += 1 }
            guard current == ")" else { throw error(at: open, LinearRegexMessage.missingClose) }
            position += 1
            return nil
        default:
            return try parseFlagGroup(open: open)
        }
    }

    /// `(?flags)` changes the flags until the enclosing group closes;
    /// `(?flags:…)` only inside its body. `-` turns the following flags off.
    mutating func parseFlagGroup(open: Int) throws(LinearRegexError) -> LinearRegexNode? {
        var newFlags = flags
        var enabling = true
        while let next = current {
            switch next {
            case "i": newFlags.caseInsensitive = enabling
            case "s": newFlags.dotAll = enabling
            case "m": newFlags.multiline = enabling
            case "x": newFlags.extended = enabling
            case "-" where enabling: enabling = false
            case ")":
                position += 1
                flags = newFlags
                return nil
            case ":":
                position += 1
                return try parseGroupBody(open: open, bodyFlags: newFlags)
            default:
                throw error(at: position, LinearRegexMessage.unsupportedFlag(next))
            }
            position += 1
        }
        throw error(at: open, LinearRegexMessage.missingClose)
    }

    /// Reads a group name (letters, digits, "_", not starting with a digit) and
    /// its terminator. Names are checked but otherwise ignored: nothing is captured.
    mutating func parseGroupName(terminator: Character) throws(LinearRegexError) {
        let start = position
        while let next = current, next.isASCII, next.isLetter || next.isNumber || next == "_" {
            position += 1
        }
        let isValid = position > start && !characters[start].isNumber && current == terminator
        guard isValid else { throw error(at: start, LinearRegexMessage.invalidGroupName) }
        position += 1
    }

    /// Parses a group body up to its ")" with `bodyFlags`, restoring the outer
    /// flags afterwards. This is the only recursion, hence the depth cap.
    mutating func parseGroupBody(
        open: Int, bodyFlags: LinearRegexFlags
    ) throws(LinearRegexError) -> LinearRegexNode {
        groupDepth += 1
        if groupDepth > LinearRegexParser.maximumGroupDepth {
            throw error(at: open, LinearRegexMessage.tooDeep)
        }
        let outerFlags = flags
        flags = bodyFlags
        let body = try parseAlternation()
        flags = outerFlags
        guard current == ")" else { throw error(at: open, LinearRegexMessage.missingClose) }
        position += 1
        groupDepth -= 1
        return body
    }

    /// An escape outside a class: an assertion, a class escape or one scalar.
    mutating func parseEscape() throws(LinearRegexError) -> LinearRegexNode {
        let start = position
        guard let escaped = character(at: position + 1) else {
            throw error(at: start, LinearRegexMessage.trailingBackslash)
        }
        position += 2
        switch escaped {
        case "b": return .assertion(.wordBoundary)
        case "B": return .assertion(.notWordBoundary)
        case "A": return .assertion(.textStart)
        case "z": return .assertion(.textEnd)
        case "Z": return .assertion(.textEndOrBeforeFinalNewline)
        case "N": return .anyScalar(dotAll: false)
        default: break
        }
        if let characterClass = LinearRegexParser.classEscape(escaped) {
            return .characterClass(characterClass)
        }
        let scalar = try parseScalarEscape(escaped, start: start, insideClass: false)
        return .scalar(scalar, caseInsensitive: flags.caseInsensitive)
    }

    /// The classes `\d \D \w \W \s \S \h \H \v \V`, as non-negated members so
    /// they can also be merged into a bracket class.
    static func classEscape(_ escaped: Character) -> LinearRegexCharacterClass? {
        switch escaped {
        case "d": return LinearRegexCharacterClass(properties: [.decimalDigit])
        case "D": return LinearRegexCharacterClass(excludedProperties: [.decimalDigit])
        case "w": return LinearRegexCharacterClass(properties: [.wordCharacter])
        case "W": return LinearRegexCharacterClass(excludedProperties: [.wordCharacter])
        case "s": return LinearRegexCharacterClass(scalars: .whitespace)
        case "S": return LinearRegexCharacterClass(scalars: LinearRegexScalarSet.whitespace.inverted())
        case "h": return LinearRegexCharacterClass(scalars: .horizontalWhitespace)
        case "H": return LinearRegexCharacterClass(scalars: LinearRegexScalarSet.horizontalWhitespace.inverted())
        case "v": return LinearRegexCharacterClass(scalars: .lineTerminators)
        case "V": return LinearRegexCharacterClass(scalars: LinearRegexScalarSet.lineTerminators.inverted())
        default: return nil
        }
    }
}
