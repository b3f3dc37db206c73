import CLibGit2

extension GitRepository {
    /// Paths changed between two commits under `path` (tree-to-tree diff, no content loaded), sorted.
    ///
    /// The folder's tree id is looked up in both commits and the two trees are compared with
    /// `GitTreeDiff`, which skips every subtree whose id is unchanged: a one-file change costs the
    /// same in a 100-file and a 100,000-file repository. No rename detection. A folder missing from
    /// one side counts as empty (everything added or deleted); a missing folder on both sides gives
    /// no changes. Paths are repository-relative; files, symlinks and submodules count (see
    /// `GitChange`). Sorted by path in git's byte order.
    /// - Throws: `GitError` for unknown revisions or unreadable trees.
    public func changes(from oldSHA: String, to newSHA: String, under path: String) throws(GitError) -> [GitChange] {
        let operation = "diff \(oldSHA)..\(newSHA) under '\(path)'"
        let folder = GitPath.normalize(path)
        let oldFolder = try folderID(at: oldSHA, folder: folder, operation: operation)
        let newFolder = try folderID(at: newSHA, folder: folder, operation: operation)

        var diff = GitTreeDiff(repository: handle, operation: operation)
        try diff.compare(old: oldFolder, new: newFolder, prefix: folder.isEmpty ? "" : folder + "/")
        return diff.changes.sorted { lhs, rhs in
            lhs.path == rhs.path ? lhs.order < rhs.order : GitPath.precedes(lhs.path, rhs.path)
        }
    }

    /// The tree id of `folder` at a revision, or nil when the folder does not exist there (or is
    /// not a folder). Unknown revisions still throw.
    private func folderID(at revision: String, folder: String, operation: String) throws(GitError) -> git_oid? {
        let root = try rootTree(revision, operation: operation)
        defer { git_tree_free(root) }
        if folder.isEmpty { return git_tree_id(root).pointee }
        var entry: OpaquePointer?
        let result = git_tree_entry_bypath(&entry, root, folder)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try gitCheck(result, operation)
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_type(entry) == GIT_OBJECT_TREE else { return nil }
        return git_tree_entry_id(entry).pointee
    }
}

private extension GitChange {
    /// Tie-break for one path reported twice: deletions before additions.
    var order: Int {
        switch self {
        case .deleted: return 0
        case .modified: return 1
        case .added: return 2
        }
    }
}
