import CLibGit2

extension GitRepository {
    /// Every blob under `path` (a folder, "" or "." = root) at commit `sha`, read straight from the object database (no checkout), recursively; `filter` decides by repo-relative path which blobs are read (others are skipped without loading their content). Submodules/symlinks skipped. Sorted by path.
    ///
    /// Paths are repository-relative (`"prompts/a.yaml"`, not relative to `path`) and sorted in
    /// git's byte order. `sha` may be any revision `resolve` accepts.
    /// - Throws: `GitError` with `isNotFound` when `path` does not exist at that commit (callers
    ///   that treat a missing folder as "no files" should catch exactly that), with `invalidCode`
    ///   when `path` is not a folder, or libgit2's error for unknown revisions and unreadable objects.
    public func files(at sha: String, under path: String, filter: @Sendable (String) -> Bool) throws(GitError) -> [GitFile] {
        let operation = "read files under '\(path)' at \(sha)"
        let folder = GitPath.normalize(path)
        let root = try rootTree(sha, operation: operation)
        defer { git_tree_free(root) }
        var files: [GitFile] = []
        if folder.isEmpty {
            try collect(root, prefix: "", filter: filter, into: &files, operation: operation)
        } else {
            let tree = try subtree(of: root, at: folder, operation: operation)
            defer { git_tree_free(tree) }
            try collect(tree, prefix: folder + "/", filter: filter, into: &files, operation: operation)
        }
        files.sort { GitPath.precedes($0.path, $1.path) }
        return files
    }

    /// Read specific files at a commit (for incremental reads); missing paths are omitted.
    ///
    /// Each path is looked up directly (`git_tree_entry_bypath`), so the cost depends on the number
    /// of paths, not on the size of the repository. Paths that are folders, symlinks or submodules
    /// are omitted like missing ones; duplicates are read once. Sorted by path.
    public func files(at sha: String, paths: [String]) throws(GitError) -> [GitFile] {
        let operation = "read \(paths.count) file(s) at \(sha)"
        let root = try rootTree(sha, operation: operation)
        defer { git_tree_free(root) }
        var seen = Set<String>()
        var files: [GitFile] = []
        for requested in paths {
            let path = GitPath.normalize(requested)
            guard !path.isEmpty, seen.insert(path).inserted else { continue }
            var entry: OpaquePointer?
            let result = git_tree_entry_bypath(&entry, root, path)
            if result == GIT_ENOTFOUND.rawValue { continue }
            try gitCheck(result, operation)
            defer { git_tree_entry_free(entry) }
            guard GitPath.isFile(mode: git_tree_entry_filemode(entry).rawValue) else { continue }
            files.append(try readBlob(git_tree_entry_id(entry), path: path, operation: operation))
        }
        files.sort { GitPath.precedes($0.path, $1.path) }
        return files
    }

    // MARK: - Tree walking

    /// The folder at `path` below `root`; the caller frees it with `git_tree_free`.
    func subtree(of root: OpaquePointer, at path: String, operation: String) throws(GitError) -> OpaquePointer {
        var entry: OpaquePointer?
        try gitCheck(git_tree_entry_bypath(&entry, root, path), operation)
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else {
            throw GitError(
                code: GitError.invalidCode, class: GIT_ERROR_TREE,
                message: "'\(path)' is not a folder", operation: operation)
        }
        var tree: OpaquePointer?
        try gitCheck(git_tree_lookup(&tree, handle, git_tree_entry_id(entry)), operation)
        guard let tree else {
            throw GitError(code: -1, class: GIT_ERROR_TREE, message: "libgit2 returned no tree", operation: operation)
        }
        return tree
    }

    /// Appends every file below `tree` (recursively) whose path passes `filter`.
    private func collect(
        _ tree: OpaquePointer, prefix: String, filter: @Sendable (String) -> Bool,
        into files: inout [GitFile], operation: String
    ) throws(GitError) {
        let count = git_tree_entrycount(tree)
        for index in 0..<count {
            guard let entry = git_tree_entry_byindex(tree, index) else { continue }
            let path = prefix + String(cString: git_tree_entry_name(entry))
            let mode = git_tree_entry_filemode(entry).rawValue
            if mode == GIT_FILEMODE_TREE.rawValue {
                var subtree: OpaquePointer?
                try gitCheck(git_tree_lookup(&subtree, handle, git_tree_entry_id(entry)), operation)
                defer { git_tree_free(subtree) }
                guard let subtree else { continue }
                try collect(subtree, prefix: path + "/", filter: filter, into: &files, operation: operation)
            } else if GitPath.isFile(mode: mode), filter(path) {
                files.append(try readBlob(git_tree_entry_id(entry), path: path, operation: operation))
            }
        }
    }

    /// Reads one blob's content and copies it out before freeing the blob.
    private func readBlob(_ id: UnsafePointer<git_oid>, path: String, operation: String) throws(GitError) -> GitFile {
        var blob: OpaquePointer?
        try gitCheck(git_blob_lookup(&blob, handle, id), "\(operation): \(path)")
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        var bytes: [UInt8] = []
        if size > 0, let content = git_blob_rawcontent(blob) {
            bytes = Array(UnsafeRawBufferPointer(start: content, count: size))
        }
        return GitFile(path: path, bytes: bytes, blobID: GitPath.hex(id))
    }
}
