import CLibGit2

/// Turns tree entries into ``GitFile``s for one read: regular files the filter accepts are read
/// (unless over the size limit), every symlink and submodule is reported unread (whatever its
/// name: a link to a folder has no `.yaml` either), folders are the caller's to walk.
///
/// Used inside the `GitRepository` actor only (it borrows the actor's repository handle).
struct EntryReader {
    /// The `git_repository *`.
    let repository: OpaquePointer
    /// The largest blob read, in bytes; nil: no limit.
    let maxBytes: Int?
    /// What the caller is doing, for error messages.
    let operation: String
    /// What was read so far, in discovery order.
    var files: [GitFile] = []

    init(repository: OpaquePointer, maxBytes: Int?, operation: String) {
        self.repository = repository
        self.maxBytes = maxBytes
        self.operation = operation
    }

    /// Reads or reports one non-folder entry at `path`; `filter` decides which files are read.
    mutating func read(_ entry: OpaquePointer, path: String, filter: (String) -> Bool) throws(GitError) {
        let mode = git_tree_entry_filemode(entry).rawValue
        let id = git_tree_entry_id(entry)!
        if mode == GIT_FILEMODE_COMMIT.rawValue {
            files.append(GitFile(path: path, bytes: [], blobID: GitObjectID(id), skipped: .submodule))
        } else if mode == GIT_FILEMODE_LINK.rawValue {
            files.append(GitFile(path: path, bytes: [], blobID: GitObjectID(id), skipped: .symlink))
        } else if GitPath.isFile(mode: mode), filter(path) {
            if let maxBytes {
                let size = try blobSize(id, path: path)
                if size > maxBytes {
                    files.append(GitFile(path: path, bytes: [], blobID: GitObjectID(id), skipped: .tooLarge(size: size)))
                    return
                }
            }
            files.append(try readBlob(id, path: path))
        }
    }

    /// A blob's size from its object header: `git_odb_read_header` inflates only the header of
    /// a loose object and reads a packed object's size (a delta's from its own header), so a
    /// large blob is never loaded to be measured.
    private func blobSize(_ id: UnsafePointer<git_oid>, path: String) throws(GitError) -> Int {
        var odb: OpaquePointer?
        try gitCheck(git_repository_odb(&odb, repository), "\(operation): \(path)")
        defer { git_odb_free(odb) }
        var size = 0
        var type = GIT_OBJECT_INVALID
        try gitCheck(git_odb_read_header(&size, &type, odb, id), "\(operation): \(path)")
        return size
    }

    /// Reads one blob's content and copies it out before freeing the blob.
    private func readBlob(_ id: UnsafePointer<git_oid>, path: String) throws(GitError) -> GitFile {
        var blob: OpaquePointer?
        try gitCheck(git_blob_lookup(&blob, repository, id), "\(operation): \(path)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        var bytes: [UInt8] = []
        if size > 0, let content = git_blob_rawcontent(blob) {
            bytes = Array(UnsafeRawBufferPointer(start: content, count: size))
        }
        return GitFile(path: path, bytes: bytes, blobID: GitObjectID(id))
    }
}
