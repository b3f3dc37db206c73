/// Where each line of a file starts, found with one pass over the bytes, so block scalars
/// can map template positions back to file columns without splitting the text.
struct SourceLines {
    let bytes: [UInt8]
    /// Byte offset of the start of each line (index 0 is line 1).
    let starts: [Int]

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        var starts = [0]
        starts.reserveCapacity(bytes.count / 24)
        for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
        self.starts = starts
    }

    /// The 1-based column of the first non-space character on the first non-blank line after
    /// 1-based `line`, or nil.
    func firstIndentedColumn(after line: Int) -> Int? {
        var index = line  // 0-based index of the next line
        while index < starts.count {
            var i = starts[index]
            var column = 1
            while i < bytes.count && bytes[i] == 0x20 { i += 1; column += 1 }
            if i < bytes.count && bytes[i] != 0x0A && bytes[i] != 0x0D { return column }
            index += 1
        }
        return nil
    }
}
