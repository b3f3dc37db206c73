/// Applies the spec's standalone-line rule to scanned tokens.
///
/// A line is *standalone* when, apart from spaces and tabs, it holds exactly one
/// tag that is not an interpolation — or only parent/block tags (opening or
/// closing) of which at least one is a parent tag, so that
/// `{{<parent}}{{$block}}` and `{{/block}}{{/parent}}` lines vanish too. A
/// standalone line's whitespace and line break are dropped; its tags keep the
/// leading whitespace as `indentation` (used by partials, parents and blocks).
/// Tags on other lines get `indentation` only when nothing but whitespace precedes
/// them on their line.
struct MustacheLineLayout {
    /// A token after layout, with whether it begins an output line.
    struct Item: Sendable {
        /// The token.
        var token: MustacheToken
        /// Whether the token starts a line of output (template start, after a line break, or after a removed standalone line).
        var startsLine: Bool
    }

    /// Lays out `tokens` from the template `bytes`.
    static func layout(_ tokens: [MustacheToken], bytes: [UInt8]) -> [Item] {
        let tokens = labelClosers(tokens)
        var items: [Item] = []
        items.reserveCapacity(tokens.count)
        var atLineStart = true
        var lineBegin = 0
        while lineBegin < tokens.count {
            var lineEnd = lineBegin
            while lineEnd < tokens.count {
                if case .newline = tokens[lineEnd] { lineEnd += 1; break }
                lineEnd += 1
            }
            let line = tokens[lineBegin..<lineEnd]
            if isStandalone(line, bytes: bytes) {
                var indentation = ""
                for token in line {
                    switch token {
                    case .text(let range):
                        indentation += String(decoding: bytes[range], as: UTF8.self)
                    case .tag(var tag):
                        tag.isStandalone = true
                        tag.indentation = indentation
                        items.append(Item(token: .tag(tag), startsLine: false))
                    case .newline:
                        break
                    }
                }
                atLineStart = true
            } else {
                var prefix: String? = ""
                for token in line {
                    switch token {
                    case .text(let range):
                        let text = bytes[range]
                        if prefix != nil, text.allSatisfy(isBlank) {
                            prefix! += String(decoding: text, as: UTF8.self)
                        } else {
                            prefix = nil
                        }
                        items.append(Item(token: token, startsLine: atLineStart))
                    case .tag(var tag):
                        tag.indentation = prefix
                        prefix = nil
                        items.append(Item(token: .tag(tag), startsLine: atLineStart))
                    case .newline:
                        items.append(Item(token: token, startsLine: atLineStart))
                    }
                    atLineStart = false
                }
                if case .newline = line.last { atLineStart = true }
            }
            lineBegin = lineEnd
        }
        return items
    }

    /// Whether the line (tokens up to and including its line break) is standalone.
    private static func isStandalone(_ line: ArraySlice<MustacheToken>, bytes: [UInt8]) -> Bool {
        var tags: [MustacheTag] = []
        for token in line {
            switch token {
            case .text(let range):
                if !bytes[range].allSatisfy(isBlank) { return false }
            case .tag(let tag):
                tags.append(tag)
            case .newline:
                break
            }
        }
        if tags.count == 1 { return tags[0].kind.canStandAlone }
        guard tags.count > 1 else { return false }
        var hasParent = false
        for tag in tags {
            switch tag.kind {
            case .parent: hasParent = true
            case .block: break
            case .close where tag.closes == .parent: hasParent = true
            case .close where tag.closes == .block: break
            default: return false
            }
        }
        return hasParent
    }

    /// Records on each close tag which kind of container it closes (when it matches).
    private static func labelClosers(_ tokens: [MustacheToken]) -> [MustacheToken] {
        var tokens = tokens
        var open: [MustacheTag] = []
        for index in tokens.indices {
            guard case .tag(var tag) = tokens[index] else { continue }
            if tag.kind.opensContainer {
                open.append(tag)
            } else if tag.kind == .close, let top = open.last, top.name == tag.name {
                tag.closes = top.kind
                tokens[index] = .tag(tag)
                open.removeLast()
            }
        }
        return tokens
    }

    /// Space or tab.
    static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }
}
