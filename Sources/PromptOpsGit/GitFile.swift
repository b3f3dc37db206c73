/// One entry read from the object database at some commit: a file's content, or why it was
/// not read (a symlink, a submodule, a blob over the size limit).
public struct GitFile: Sendable, Equatable {
    /// Repository-relative path, `/`-separated, no leading slash.
    public var path: String
    /// Raw file content, exactly as committed (no filters, no line-ending conversion); empty
    /// when ``skipped`` is set.
    public var bytes: [UInt8]
    /// The blob's id (for a submodule: the commit it pins); equal ids mean equal content.
    public var blobID: GitObjectID
    /// Why the content was not read; nil for a file whose bytes are here.
    public var skipped: Skipped?

    /// Why an entry's content was not read.
    public enum Skipped: Sendable, Equatable {
        /// A symbolic link (mode 120000): its target is never read, nor followed.
        case symlink
        /// A submodule (gitlink, mode 160000): a commit of another repository.
        case submodule
        /// A blob of `size` bytes, over the limit the reader was given (known from the object
        /// header, without inflating the blob).
        case tooLarge(size: Int)
    }

    /// Creates a file from its parts.
    public init(path: String, bytes: [UInt8], blobID: GitObjectID, skipped: Skipped? = nil) {
        self.path = path
        self.bytes = bytes
        self.blobID = blobID
        self.skipped = skipped
    }
}
