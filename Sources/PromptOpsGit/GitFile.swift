/// One file (blob) read from the object database at some commit.
public struct GitFile: Sendable, Equatable {
    /// Repository-relative path, `/`-separated, no leading slash.
    public var path: String
    /// Raw file content, exactly as committed (no filters, no line-ending conversion).
    public var bytes: [UInt8]
    /// Full 40-character hex id of the blob; equal ids mean equal content.
    public var blobID: String

    /// Creates a file from its parts.
    public init(path: String, bytes: [UInt8], blobID: String) {
        self.path = path
        self.bytes = bytes
        self.blobID = blobID
    }
}
