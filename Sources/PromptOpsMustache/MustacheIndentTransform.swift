/// How one level of indentation rewrites the start of each template line:
/// first remove `strip` (as far as the line starts with it), then prepend `add`.
///
/// Standalone partials and parents push `(strip: "", add: indentation)`; a block
/// override pushes `(strip: its own content indentation, add: the slot's
/// indentation)`, which is how block reindentation works. Transforms apply to
/// template text only, never to interpolated values, innermost first.
struct MustacheIndentTransform {
    /// Leading bytes to remove from each line.
    let strip: [UInt8]
    /// Bytes to prepend to each line.
    let add: [UInt8]

    /// Whether the transform changes nothing.
    var isIdentity: Bool { strip.isEmpty && add.isEmpty }
}

extension MustacheRenderer {
    /// Writes literal text, rewriting the start of each of its lines.
    mutating func appendIndented(_ text: ArraySlice<UInt8>, startsLine: Bool) {
        var lineStart = text.startIndex
        var isLineStart = startsLine
        while lineStart < text.endIndex {
            var lineEnd = lineStart
            while lineEnd < text.endIndex && text[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            if lineEnd < text.endIndex { lineEnd += 1 }
            var line = text[lineStart..<lineEnd]
            if isLineStart {
                let prefix = linePrefix(for: line)
                prefix.text.withUnsafeBufferPointer { output.append($0) }
                line = line.dropFirst(prefix.skip)
            }
            inlineFirstLine = false
            line.withUnsafeBufferPointer { output.append($0) }
            lineStart = lineEnd
            isLineStart = true
        }
    }

    /// Writes the prefix for a line that starts with a tag rather than text.
    mutating func appendLinePrefix() {
        linePrefix(for: [][...]).text.withUnsafeBufferPointer { output.append($0) }
    }

    /// Computes what to write before a template line and how many of its leading
    /// bytes to drop, applying transforms innermost first. While the first line of
    /// an inline block override is pending, only the innermost strip applies.
    private func linePrefix(for line: ArraySlice<UInt8>) -> (text: [UInt8], skip: Int) {
        var head: [UInt8] = []
        var skip = 0
        let transforms = inlineFirstLine ? indentation.suffix(1) : indentation[...]
        for transform in transforms.reversed() {
            var matched = 0
            while matched < transform.strip.count {
                let byte: UInt8?
                if matched < head.count {
                    byte = head[matched]
                } else {
                    let position = line.startIndex + skip + (matched - head.count)
                    byte = position < line.endIndex ? line[position] : nil
                }
                guard byte == transform.strip[matched] else { break }
                matched += 1
            }
            let fromHead = min(matched, head.count)
            head.removeFirst(fromHead)
            skip += matched - fromHead
            if !inlineFirstLine { head.insert(contentsOf: transform.add, at: 0) }
        }
        return (head, skip)
    }
}
