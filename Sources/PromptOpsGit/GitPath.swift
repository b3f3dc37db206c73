import CLibGit2

/// Repository-relative paths and object ids as PromptOpsGit spells them.
enum GitPath {
    /// Normalises a folder or file path to git's tree form: `/`-separated, no `.` segments,
    /// no leading or trailing slash; `""`, `"."` and `"/"` all mean the repository root.
    static func normalize(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true)
            .filter { $0 != "." }
            .joined(separator: "/")
    }

    /// Joins a normalised folder prefix (possibly root) and a relative path.
    static func join(_ folder: String, _ relative: String) -> String {
        folder.isEmpty ? relative : folder + "/" + relative
    }

    /// Git's path order: plain byte order of the UTF-8 path, independent of locale and Unicode rules.
    static func precedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    /// Whether a tree-entry or diff file mode denotes a regular or executable file (not a symlink,
    /// submodule or folder).
    static func isFile(mode: UInt32) -> Bool {
        mode == GIT_FILEMODE_BLOB.rawValue || mode == GIT_FILEMODE_BLOB_EXECUTABLE.rawValue
    }

    /// Length of a full hex sha (SHA-1; libgit2 1.5 has no SHA-256 repositories).
    static let hexLength = 40

    /// Full 40-character lowercase hex of an object id.
    static func hex(_ id: UnsafePointer<git_oid>) -> String {
        var buffer = [CChar](repeating: 0, count: hexLength + 1)
        git_oid_fmt(&buffer, id)
        return String(decoding: buffer.prefix(hexLength).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Full hex of an object id held by value.
    static func hex(_ id: git_oid) -> String {
        withUnsafePointer(to: id) { hex($0) }
    }
}
