import CLibGit2

/// A git object id (SHA-1, 20 bytes) held by value. A controller keeps one per file of the
/// repository between passes; as 40-character hex strings those were a heap object each
/// (80 bytes with the allocator's rounding, 1.6 MB at 20,000 files).
public struct GitObjectID: Hashable, Sendable, CustomStringConvertible {
    // The 20 bytes in their order (loaded and stored unaligned, so memory order is kept).
    private var head: UInt64
    private var middle: UInt64
    private var tail: UInt32

    /// The null id (all zeros): no object (a file restored from the store has no blob read).
    public static let null = GitObjectID(head: 0, middle: 0, tail: 0)

    private init(head: UInt64, middle: UInt64, tail: UInt32) {
        self.head = head
        self.middle = middle
        self.tail = tail
    }

    init(_ id: UnsafePointer<git_oid>) {
        let raw = UnsafeRawPointer(id)
        head = raw.loadUnaligned(as: UInt64.self)
        middle = raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        tail = raw.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
    }

    /// The 40 lowercase hex digits git prints (libgit2's formatting, as for every other id).
    public var hex: String {
        var words = (head, middle, tail)
        var id = git_oid()
        // The tuple's first 20 bytes are the id (the last word is followed by padding).
        withUnsafeBytes(of: &words) { raw in
            withUnsafeMutableBytes(of: &id) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw.prefix(20))) }
        }
        return GitPath.hex(id)
    }

    public var description: String { hex }
}
