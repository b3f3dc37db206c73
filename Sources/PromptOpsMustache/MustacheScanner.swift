/// Splits template source into text, line-break and tag tokens, honouring
/// set-delimiter tags as it goes. Works on UTF-8 bytes; never recurses.
struct MustacheScanner {
    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    private var lineStart = 0
    /// A memo for `column(of:)`: the column at byte `columnOffset` of the current line.
    private var columnOffset = 0
    private var columnCount = 1
    private var openDelimiter: [UInt8] = Array("{{".utf8)
    private var closeDelimiter: [UInt8] = Array("}}".utf8)
    private var tokens: [MustacheToken] = []

    /// Creates a scanner over the UTF-8 bytes of a template.
    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Scans the whole template.
    mutating func scan() throws(MustacheParseError) -> [MustacheToken] {
        while position < bytes.count {
            guard let tagStart = find(openDelimiter, from: position) else {
                appendText(upTo: bytes.count)
                break
            }
            appendText(upTo: tagStart)
            try scanTag(at: tagStart)
        }
        return tokens
    }

    // MARK: - Text

    /// Emits text and newline tokens for `position..<end` and advances.
    private mutating func appendText(upTo end: Int) {
        var pieceStart = position
        var index = position
        while index < end {
            if bytes[index] == UInt8(ascii: "\n") {
                let breakStart = (index > pieceStart && bytes[index - 1] == UInt8(ascii: "\r")) ? index - 1 : index
                if pieceStart < breakStart { tokens.append(.text(pieceStart..<breakStart)) }
                tokens.append(.newline(breakStart..<(index + 1)))
                line += 1
                lineStart = index + 1
                pieceStart = index + 1
            }
            index += 1
        }
        if pieceStart < end { tokens.append(.text(pieceStart..<end)) }
        position = end
    }

    // MARK: - Tags

    /// Scans the tag whose opening delimiter starts at `start`.
    private mutating func scanTag(at start: Int) throws(MustacheParseError) {
        let tagLine = line
        let tagColumn = column(of: start)
        func failure(_ kind: MustacheParseError.Kind, _ message: String) -> MustacheParseError {
            MustacheParseError(kind: kind, message: message, line: tagLine, column: tagColumn)
        }
        let afterOpen = start + openDelimiter.count
        var contentStart = afterOpen
        var contentEnd: Int
        var end: Int
        var kind: MustacheTagKind

        if afterOpen < bytes.count && bytes[afterOpen] == UInt8(ascii: "{") {
            guard let closing = find([UInt8(ascii: "}")] + closeDelimiter, from: afterOpen + 1) else {
                throw failure(.unclosedTag, "unclosed triple mustache: expected '}\(String(decoding: closeDelimiter, as: UTF8.self))'")
            }
            kind = .unescapedVariable
            contentStart = afterOpen + 1
            contentEnd = closing
            end = closing + 1 + closeDelimiter.count
        } else {
            var sigilIndex = afterOpen
            while sigilIndex < bytes.count && Self.isWhitespace(bytes[sigilIndex]) { sigilIndex += 1 }
            let sigil = sigilIndex < bytes.count ? bytes[sigilIndex] : 0
            if sigil == UInt8(ascii: "=") {
                guard let closing = find([UInt8(ascii: "=")] + closeDelimiter, from: sigilIndex + 1) else {
                    if find(closeDelimiter, from: sigilIndex + 1) != nil {
                        throw failure(.invalidDelimiters, "set-delimiter tag must end with '=\(String(decoding: closeDelimiter, as: UTF8.self))'")
                    }
                    throw failure(.unclosedTag, "unclosed set-delimiter tag")
                }
                let tagEnd = closing + 1 + closeDelimiter.count
                try changeDelimiters(bytes[(sigilIndex + 1)..<closing], failure: failure)
                advanceLines(through: tagEnd)
                tokens.append(.tag(MustacheTag(kind: .delimiters, name: "", isDynamic: false, line: tagLine, column: tagColumn)))
                return
            }
            guard let closing = find(closeDelimiter, from: afterOpen) else {
                throw failure(.unclosedTag, "unclosed tag: expected '\(String(decoding: closeDelimiter, as: UTF8.self))'")
            }
            contentEnd = closing
            end = closing + closeDelimiter.count
            switch sigil {
            case UInt8(ascii: "!"): kind = .comment
            case UInt8(ascii: "&"): kind = .unescapedVariable
            case UInt8(ascii: "#"): kind = .section
            case UInt8(ascii: "^"): kind = .invertedSection
            case UInt8(ascii: "/"): kind = .close
            case UInt8(ascii: ">"): kind = .partial
            case UInt8(ascii: "<"): kind = .parent
            case UInt8(ascii: "$"): kind = .block
            default: kind = .variable
            }
            if kind != .variable { contentStart = sigilIndex + 1 }
        }

        advanceLines(through: end)
        if kind == .comment {
            tokens.append(.tag(MustacheTag(kind: .comment, name: "", isDynamic: false, line: tagLine, column: tagColumn)))
            return
        }
        var nameBytes = trimmed(bytes[contentStart..<max(contentStart, contentEnd)])
        var isDynamic = false
        if (kind == .partial || kind == .parent || kind == .close), nameBytes.first == UInt8(ascii: "*") {
            isDynamic = true
            nameBytes = trimmed(nameBytes.dropFirst())
        }
        guard !nameBytes.isEmpty else {
            throw failure(.emptyTagName, "empty tag name")
        }
        if nameBytes.contains(where: Self.isWhitespace) {
            throw failure(.invalidTagName, "tag name '\(String(decoding: nameBytes, as: UTF8.self))' contains whitespace")
        }
        let name = String(decoding: nameBytes, as: UTF8.self)
        let isDottedName: Bool
        switch kind {
        case .variable, .unescapedVariable, .section, .invertedSection: isDottedName = true
        case .partial, .parent: isDottedName = isDynamic
        default: isDottedName = false
        }
        if isDottedName && name != "." && name.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).contains(where: \.isEmpty) {
            throw failure(.invalidTagName, "dotted name '\(name)' has an empty segment")
        }
        tokens.append(.tag(MustacheTag(kind: kind, name: name, isDynamic: isDynamic, line: tagLine, column: tagColumn)))
    }

    /// Applies a `{{=open close=}}` body.
    private mutating func changeDelimiters(
        _ body: ArraySlice<UInt8>,
        failure: (MustacheParseError.Kind, String) -> MustacheParseError
    ) throws(MustacheParseError) {
        let parts = body.split(whereSeparator: Self.isWhitespace)
        guard parts.count == 2, !parts[0].contains(UInt8(ascii: "=")), !parts[1].contains(UInt8(ascii: "=")) else {
            throw failure(.invalidDelimiters, "set-delimiter tag needs exactly two delimiters without '=' or whitespace")
        }
        openDelimiter = Array(parts[0])
        closeDelimiter = Array(parts[1])
    }

    // MARK: - Positions

    /// Moves `position` to `end`, counting line breaks inside the tag just scanned.
    private mutating func advanceLines(through end: Int) {
        var index = position
        while index < end {
            if bytes[index] == UInt8(ascii: "\n") {
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
        position = end
    }

    /// 1-based column of `offset` on the current line, counted in Unicode scalars.
    /// Offsets only grow, so counting resumes from the previous call (linear overall).
    private mutating func column(of offset: Int) -> Int {
        if columnOffset < lineStart || columnOffset > offset {
            columnOffset = lineStart
            columnCount = 1
        }
        while columnOffset < offset {
            if bytes[columnOffset] & 0xC0 != 0x80 { columnCount += 1 }
            columnOffset += 1
        }
        return columnCount
    }

    /// First offset `>= from` where `pattern` occurs.
    private func find(_ pattern: [UInt8], from: Int) -> Int? {
        guard let first = pattern.first, pattern.count <= bytes.count else { return nil }
        var index = from
        let last = bytes.count - pattern.count
        while index <= last {
            if bytes[index] == first {
                var offset = 1
                while offset < pattern.count && bytes[index + offset] == pattern[offset] { offset += 1 }
                if offset == pattern.count { return index }
            }
            index += 1
        }
        return nil
    }

    private func trimmed<C: BidirectionalCollection>(_ slice: C) -> C.SubSequence where C.Element == UInt8 {
        var lower = slice.startIndex
        var upper = slice.endIndex
        while lower < upper && Self.isWhitespace(slice[lower]) { lower = slice.index(after: lower) }
        while upper > lower && Self.isWhitespace(slice[slice.index(before: upper)]) { upper = slice.index(before: upper) }
        return slice[lower..<upper]
    }

    /// Space, tab, CR or LF.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }
}
