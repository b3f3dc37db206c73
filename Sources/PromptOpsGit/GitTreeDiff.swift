import CLibGit2

/// A tree-to-tree diff over git's Merkle trees that never opens a subtree whose id is the same on
/// both sides, so its cost follows the changed folders, not the size of the repository.
///
/// (libgit2 1.5's `git_diff_tree_to_tree` expands every unchanged subtree too — libgit2 PR #6863 —
/// which made a one-file diff cost O(files in the repository): ~10 ms at 10,000 files.)
/// Content is never loaded: entries are compared by id and mode. No rename detection. Symlinks
/// and submodules count as entries like files (a reader must learn that they appeared, to say
/// it skips them).
struct GitTreeDiff {
    /// One tree entry copied out of libgit2 (valid after its tree is freed).
    private struct Entry {
        var name: String
        var mode: UInt32
        var id: git_oid

        var isTree: Bool { mode == GIT_FILEMODE_TREE.rawValue }
        /// A file, symlink or submodule: anything but a folder.
        var isLeaf: Bool { !isTree }
    }

    /// The `git_repository *` the trees live in.
    let repository: OpaquePointer
    /// What the caller is doing, for error messages.
    let operation: String
    /// Changes found so far, in discovery order.
    private(set) var changes: [GitChange] = []

    init(repository: OpaquePointer, operation: String) {
        self.repository = repository
        self.operation = operation
    }

    /// Whether two object ids are equal.
    static func same(_ lhs: git_oid, _ rhs: git_oid) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return git_oid_equal(&lhs, &rhs) != 0
    }

    /// Compares the folder `old` with the folder `new` (nil = absent, i.e. empty); `prefix` is the
    /// folder's repository-relative path followed by `/`, or empty at the root.
    mutating func compare(old: git_oid?, new: git_oid?, prefix: String) throws(GitError) {
        if let old, let new, Self.same(old, new) { return }
        let oldEntries = try old.map { id throws(GitError) in try entries(ofTree: id) } ?? []
        let newEntries = try new.map { id throws(GitError) in try entries(ofTree: id) } ?? []
        var unmatched = Dictionary(oldEntries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for entry in newEntries {
            try compare(unmatched.removeValue(forKey: entry.name), entry, path: prefix + entry.name)
        }
        for entry in unmatched.values {
            try compare(entry, nil, path: prefix + entry.name)
        }
    }

    /// Compares one name's entry on both sides (either may be absent).
    private mutating func compare(_ old: Entry?, _ new: Entry?, path: String) throws(GitError) {
        if let old, let new, old.mode == new.mode, Self.same(old.id, new.id) { return }
        let oldFolder = old.flatMap { $0.isTree ? $0.id : nil }
        let newFolder = new.flatMap { $0.isTree ? $0.id : nil }
        if oldFolder != nil || newFolder != nil {
            try compare(old: oldFolder, new: newFolder, prefix: path + "/")
        }
        switch (old?.isLeaf ?? false, new?.isLeaf ?? false) {
        case (true, true): changes.append(.modified(path))
        case (true, false): changes.append(.deleted(path))
        case (false, true): changes.append(.added(path))
        case (false, false): break  // folders handled above
        }
    }

    /// The entries of the tree with id `id`, copied out before the tree is freed.
    private func entries(ofTree id: git_oid) throws(GitError) -> [Entry] {
        var id = id
        var tree: OpaquePointer?
        try gitCheck(git_tree_lookup(&tree, repository, &id), operation)
        defer { git_tree_free(tree) }
        let count = git_tree_entrycount(tree)
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        for index in 0..<count {
            guard let entry = git_tree_entry_byindex(tree, index) else { continue }
            entries.append(Entry(
                name: String(cString: git_tree_entry_name(entry)),
                mode: git_tree_entry_filemode(entry).rawValue,
                id: git_tree_entry_id(entry).pointee))
        }
        return entries
    }
}
