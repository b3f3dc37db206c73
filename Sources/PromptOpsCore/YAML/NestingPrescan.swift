/// A cheap byte scan run before the YAML parser. The parser composes nodes recursively,
/// so a document nested a million levels deep (`[[[[…`, or `- - - …`) would exhaust the
/// stack before we could say anything; this bounds nesting first.
struct NestingPrescan {
    /// Where the nesting first went past the limit, or nil.
    struct Violation: Equatable { var line: Int; var column: Int }

    /// Scans UTF-8 bytes; flow brackets outside quotes and comments count one level each,
    /// and the run of `-`/`?`/space at the start of a line bounds block nesting.
    static func firstViolation(in bytes: [UInt8], maxDepth: Int) -> Violation? {
        let maxLinePrefix = maxDepth * 4
        var line = 1
        var column = 0
        var flowDepth = 0
        var atLineStart = true
        var linePrefix = 0
        var quote: UInt8? = nil
        var inComment = false
        var previous: UInt8 = 0x0A
        for byte in bytes {
            column += 1
            if byte == 0x0A {
                line += 1
                column = 0
                atLineStart = true
                linePrefix = 0
                inComment = false
                previous = byte
                continue
            }
            if atLineStart {
                if byte == 0x20 || byte == 0x2D || byte == 0x3F {  // space - ?
                    linePrefix += 1
                    if linePrefix > maxLinePrefix { return Violation(line: line, column: column) }
                    previous = byte
                    continue
                }
                atLineStart = false
            }
            if inComment { continue }
            if let q = quote {
                if byte == q { quote = nil }
                previous = byte
                continue
            }
            switch byte {
            case 0x23 where previous == 0x20 || previous == 0x09 || previous == 0x0A:  // '#'
                inComment = true
            case 0x22, 0x27:
                // A quote opens a quoted scalar only where a scalar can start.
                if flowDepth > 0 || previous == 0x20 || previous == 0x3A || previous == 0x0A { quote = byte }
            case 0x5B, 0x7B:  // [ {
                flowDepth += 1
                if flowDepth > maxDepth { return Violation(line: line, column: column) }
            case 0x5D, 0x7D:
                flowDepth = max(0, flowDepth - 1)
            default:
                break
            }
            previous = byte
        }
        return nil
    }
}
