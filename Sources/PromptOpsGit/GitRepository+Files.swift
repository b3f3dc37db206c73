import CLibGit2

extension GitRepository {
    /// Every file under `path` (a folder, "" or "." = root) at commit `sha`, read straight from
    /// the object database (no checkout), recursively. Sorted by path.
    ///
    /// `filter` decides by repository-relative path which regular files are read (others are
    /// skipped without loading anything). Symlinks are never followed: every one comes back with
    /// `skipped == .symlink` and no content, and every submodule entry with `skipped ==
    /// .submodule`, whatever the filter says (a link to a folder, or a submodule, has no
    /// manifest's name, yet may be where manifests were meant to be). With `maxBytes`, a blob's size is read
    /// from its object header first, and a larger one comes back as `.tooLarge` without being
    /// inflated.
    ///
    /// Paths are repository-relative (`"prompts/a.yaml"`, not relative to `path`) and sorted in
    /// git's byte order. `sha` may be any revision `resolve` accepts.
    /// - Throws: `GitError` with `isNotFound` when `path` does not exist at that commit (callers
    ///   that treat a missing folder as "no files" should catch exactly that), with `invalidCode`
    ///   when `path` is not a folder, or libgit2's error for unknown revisions and unreadable objects.
    public func files(at sha: String, under path: String, filter: @Sendable (String) -> Bool,
                      maxBytes: Int? = nil) throws(GitError) -> [GitFile] {
        let operation = "read files under '\(path)' at \(sha)"
        let folder = GitPath.normalize(path)
        let root = try rootTree(sha, operation: operation)
        defer { git_tree_free(root) }
        var reader = EntryReader(repository: handle, maxBytes: maxBytes, operation: operation)
        if folder.isEmpty {
            try collect(root, prefix: "", filter: filter, reader: &reader)
        } else {
            let tree = try subtree(of: root, at: folder, operation: operation)
            defer { git_tree_free(tree) }
            try collect(tree, prefix: folder + "/", filter: filter, reader: &reader)
        }
        reader.files.sort { GitPath.precedes($0.path, $1.path) }
        return reader.files
    }

    /// Read specific files at a commit (for incremental reads); missing paths are omitted.
    ///
    /// Each folder on the way is looked up once per call and each file by name inside it, so
    /// the cost depends on the number of paths, not on the size of the repository. (Looking up
    /// every path from the root with `git_tree_entry_bypath` read and parsed its folder again
    /// for each file: libgit2 does not cache trees over 4 KiB, and reading the 1,001 files of
    /// one 500-template folder took 0.4 s that way.) Folders are omitted like missing paths;
    /// symlinks, submodules and files over `maxBytes` come back unread as in
    /// ``files(at:under:filter:maxBytes:)``, and `filter` decides which files are read. Duplicates are read once.
    /// Sorted by path.
    public func files(at sha: String, paths: [String], filter: @Sendable (String) -> Bool = { _ in true },
                      maxBytes: Int? = nil) throws(GitError) -> [GitFile] {
        let operation = "read \(paths.count) file(s) at \(sha)"
        let root = try rootTree(sha, operation: operation)
        var folders = FolderCache(root: root, repository: handle, operation: operation)
        defer { folders.free() }
        var reader = EntryReader(repository: handle, maxBytes: maxBytes, operation: operation)
        var seen = Set<String>()
        for requested in paths {
            let path = GitPath.normalize(requested)
            guard !path.isEmpty, seen.insert(path).inserted else { continue }
            let slash = path.lastIndex(of: "/")
            let folder = slash.map { String(path[..<$0]) } ?? ""
            let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
            // A missing folder (or a file where a folder was expected) means a missing path.
            guard let tree = try folders.tree(at: folder), let entry = git_tree_entry_byname(tree, name) else { continue }
            if git_tree_entry_filemode(entry).rawValue == GIT_FILEMODE_TREE.rawValue { continue }
            try reader.read(entry, path: path, filter: filter)
        }
        reader.files.sort { GitPath.precedes($0.path, $1.path) }
        return reader.files
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

    /// Reads every entry below `tree` (recursively) into `reader`.
    private func collect(_ tree: OpaquePointer, prefix: String, filter: @Sendable (String) -> Bool,
                         reader: inout EntryReader) throws(GitError) {
        let count = git_tree_entrycount(tree)
        for index in 0..<count {
            guard let entry = git_tree_entry_byindex(tree, index) else { continue }
            let path = prefix + String(cString: git_tree_entry_name(entry))
            if git_tree_entry_filemode(entry).rawValue == GIT_FILEMODE_TREE.rawValue {
                var subtree: OpaquePointer?
                try gitCheck(git_tree_lookup(&subtree, handle, git_tree_entry_id(entry)), reader.operation)
                defer { git_tree_free(subtree) }
                guard let subtree else { continue }
                try collect(subtree, prefix: path + "/", filter: filter, reader: &reader)
            } else {
                try reader.read(entry, path: path, filter: filter)
            }
        }
    }
}

/// The folders of one commit looked up so far in one read, each parsed once (freed with ``free()``).
private struct FolderCache {
    let repository: OpaquePointer
    let operation: String
    /// Folder path ("" = root) → its tree, or nil when it is missing or not a folder.
    private var trees: [String: OpaquePointer?]

    init(root: OpaquePointer, repository: OpaquePointer, operation: String) {
        self.repository = repository
        self.operation = operation
        trees = ["": root]
    }

    /// The tree of `folder`, or nil when no folder is at that path.
    mutating func tree(at folder: String) throws(GitError) -> OpaquePointer? {
        if let known = trees[folder] { return known }
        let slash = folder.lastIndex(of: "/")
        let parentPath = slash.map { String(folder[..<$0]) } ?? ""
        let name = slash.map { String(folder[folder.index(after: $0)...]) } ?? folder
        var found: OpaquePointer?
        if let parent = try tree(at: parentPath), let entry = git_tree_entry_byname(parent, name),
           git_tree_entry_type(entry) == GIT_OBJECT_TREE {
            try gitCheck(git_tree_lookup(&found, repository, git_tree_entry_id(entry)), operation)
        }
        trees[folder] = .some(found)
        return found
    }

    /// Frees every tree looked up, the root included.
    func free() {
        for case let tree? in trees.values { git_tree_free(tree) }
    }
}
