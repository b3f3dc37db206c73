import CLibGit2
import Foundation

/// A git repository read through libgit2: resolving revisions, reading commits, files and
/// tree-to-tree changes straight from the object database (never from a work tree).
///
/// Two flavours exist:
/// - **local** (`open(path:)`): any repository on disk, work tree or bare. `fetch()` is a no-op and
///   branch names resolve to local branches (`"main"` → `refs/heads/main`).
/// - **mirror** (`openOrClone(url:cacheDirectory:)`): a bare cache whose `origin` remote fetches
///   `+refs/heads/*:refs/heads/*` and `+refs/tags/*:refs/tags/*` with pruning, so after `fetch()`
///   `"main"` (and, as a convenience, `"origin/main"`) resolve to the remote's latest `main`, and
///   `"HEAD"` follows the remote's default branch.
///
/// The actor owns the `git_repository` handle and serialises every libgit2 call on it, which is
/// what libgit2 requires of a repository object shared between threads.
public actor GitRepository {
    /// The owned repository; freed when the actor is deallocated. Only touched from actor-isolated code.
    private let owner: RepositoryHandle
    /// Whether this is a mirror cache created/opened by `openOrClone` (fetch updates it).
    public nonisolated let isMirror: Bool
    /// The path the repository was opened at (the cache directory for mirrors).
    public nonisolated let path: String
    /// The one branch a mirror's `fetch()` brings (nil: every branch and tag).
    public nonisolated let mirrorBranch: String?

    /// The `git_repository *` for libgit2 calls made inside the actor.
    var handle: OpaquePointer { owner.pointer }

    private init(owner: RepositoryHandle, isMirror: Bool, path: String, mirrorBranch: String? = nil) {
        self.owner = owner
        self.isMirror = isMirror
        self.path = path
        self.mirrorBranch = mirrorBranch
    }

    /// Opens an existing local repository (a work tree root, its `.git` folder, or a bare repository).
    ///
    /// Does not search parent folders. `fetch()` on the result is a no-op.
    /// - Throws: `GitError` (typically `isNotFound`) when `path` is not a repository.
    public static func open(path: String) throws(GitError) -> GitRepository {
        let owner = try RepositoryHandle.open(at: path, operation: "open repository at \(path)")
        return GitRepository(owner: owner, isMirror: false, path: path)
    }

    /// Clone `url` (file://, https://, ssh://, or a local path) as a bare mirror into `cacheDirectory`
    /// if absent, else open it; `fetch()` updates it.
    ///
    /// `cacheDirectory` is the repository folder itself (created with its parents; an existing empty
    /// folder is used). The clone is built in a sibling staging folder and renamed into place, so a
    /// failed clone leaves nothing behind and a concurrent clone by another process is tolerated.
    /// Relative local paths are made absolute before being recorded as the remote URL.
    ///
    /// https and ssh use libgit2's transports as they are: no credential callbacks are installed,
    /// so only anonymous https, or ssh that libgit2 can authenticate on its own, will work.
    /// With `branch`, the clone and every `fetch()` bring only that branch (see `GitMirror`).
    /// - Throws: `GitError` when cloning fails (nothing is left in `cacheDirectory`), or with
    ///   `existsCode` when `cacheDirectory` holds a clone of a different URL.
    public static func openOrClone(url: String, cacheDirectory: String, branch: String? = nil) throws(GitError) -> GitRepository {
        try GitRuntime.start()
        let remoteURL = GitMirror.normalizedURL(url)
        if !GitMirror.isAbsentOrEmptyDirectory(cacheDirectory) {
            return try openMirror(at: cacheDirectory, expecting: remoteURL, branch: branch)
        }
        try GitMirror.clone(url: remoteURL, into: cacheDirectory, branch: branch)
        return try openMirror(at: cacheDirectory, expecting: remoteURL, branch: branch)
    }

    private static func openMirror(at directory: String, expecting remoteURL: String, branch: String?) throws(GitError) -> GitRepository {
        let operation = "open cached clone at \(directory)"
        let owner = try RepositoryHandle.open(at: directory, operation: operation)
        let recorded = try GitMirror.originURL(of: owner.pointer, operation: operation)
        guard recorded == remoteURL else {
            throw GitError(
                code: GitError.existsCode, class: GIT_ERROR_REPOSITORY,
                message: "the cache directory holds a clone of '\(recorded)', not '\(remoteURL)'",
                operation: operation)
        }
        return GitRepository(owner: owner, isMirror: true, path: directory, mirrorBranch: branch)
    }

    /// Fetch from `origin` (only ``mirrorBranch`` when set, else all branches and tags), pruning
    /// what was deleted there, and point `HEAD` at the remote's default branch. A no-op for
    /// local repositories opened with `open(path:)`.
    ///
    /// On failure (origin unreachable, deleted, …) nothing changes: every revision keeps resolving
    /// to what the last successful fetch saw.
    public func fetch() throws(GitError) {
        guard isMirror else { return }
        try GitMirror.fetch(repository: handle, branch: mirrorBranch)
    }

    /// Resolves a branch name, tag, short or long sha, `"HEAD"`, or any `git_revparse_single`
    /// expression (e.g. `"main~1"`) to the full sha of the commit it peels to.
    ///
    /// For mirrors, branch names are the remote's branches as of the last fetch, and a leading
    /// `"origin/"` is accepted as an alias.
    /// - Throws: `GitError` with libgit2's message for unknown or ambiguous revisions, or for
    ///   revisions that do not peel to a commit.
    public func resolve(_ revision: String) throws(GitError) -> String {
        GitPath.hex(try commitID(revision, operation: "resolve \"\(revision)\""))
    }

    /// Author, time and message of a commit (`sha` may be any revision `resolve` accepts).
    public func commitInfo(_ sha: String) throws(GitError) -> GitCommitInfo {
        let commit = try lookupCommit(sha, operation: "read commit \(sha)")
        defer { git_commit_free(commit) }
        guard let author = git_commit_author(commit) else {
            throw GitError(code: -1, class: GIT_ERROR_OBJECT, message: "commit has no author", operation: "read commit \(sha)")
        }
        let raw = git_commit_message(commit).map { String(cString: $0) } ?? ""
        var message = Substring(raw)
        while let last = message.last, last.isNewline { message = message.dropLast() }
        var summary = message.prefix { !$0.isNewline }
        while let last = summary.last, last.isWhitespace { summary = summary.dropLast() }
        return GitCommitInfo(
            sha: GitPath.hex(git_commit_id(commit)),
            authorName: String(cString: author.pointee.name),
            authorEmail: String(cString: author.pointee.email),
            time: Date(timeIntervalSince1970: TimeInterval(author.pointee.when.time)),
            message: String(message),
            summary: String(summary))
    }

    /// Whether `ancestor` is an ancestor of `descendant` (git_graph_descendant_of) — for detecting force-pushes.
    ///
    /// Like `git merge-base --is-ancestor`, a commit counts as its own ancestor.
    public func isAncestor(_ ancestor: String, of descendant: String) throws(GitError) -> Bool {
        var ancestorID = try commitID(ancestor, operation: "resolve \"\(ancestor)\"")
        var descendantID = try commitID(descendant, operation: "resolve \"\(descendant)\"")
        if git_oid_equal(&ancestorID, &descendantID) != 0 { return true }
        let result = try gitCheck(
            git_graph_descendant_of(handle, &descendantID, &ancestorID),
            "check whether \(ancestor) is an ancestor of \(descendant)")
        return result == 1
    }

    // MARK: - Shared lookups

    /// Resolves `revision` and peels it to a commit id.
    func commitID(_ revision: String, operation: String) throws(GitError) -> git_oid {
        var object: OpaquePointer?
        var result = git_revparse_single(&object, handle, revision)
        if result == GIT_ENOTFOUND.rawValue, isMirror, revision.hasPrefix("origin/") {
            let original = GitError.last(code: result, operation: operation)
            result = git_revparse_single(&object, handle, "refs/heads/" + revision.dropFirst("origin/".count))
            if result < 0 { throw original }
        }
        try gitCheck(result, operation)
        defer { git_object_free(object) }
        var commit: OpaquePointer?
        try gitCheck(git_object_peel(&commit, object, GIT_OBJECT_COMMIT), operation)
        defer { git_object_free(commit) }
        return git_object_id(commit).pointee
    }

    /// Looks up the commit a revision resolves to; the caller frees it with `git_commit_free`.
    func lookupCommit(_ revision: String, operation: String) throws(GitError) -> OpaquePointer {
        var id = try commitID(revision, operation: operation)
        var commit: OpaquePointer?
        try gitCheck(git_commit_lookup(&commit, handle, &id), operation)
        guard let commit else {
            throw GitError(code: -1, class: GIT_ERROR_OBJECT, message: "libgit2 returned no commit", operation: operation)
        }
        return commit
    }

    /// The root tree of the commit a revision resolves to; the caller frees it with `git_tree_free`.
    func rootTree(_ revision: String, operation: String) throws(GitError) -> OpaquePointer {
        let commit = try lookupCommit(revision, operation: operation)
        defer { git_commit_free(commit) }
        var tree: OpaquePointer?
        try gitCheck(git_commit_tree(&tree, commit), operation)
        guard let tree else {
            throw GitError(code: -1, class: GIT_ERROR_TREE, message: "libgit2 returned no tree", operation: operation)
        }
        return tree
    }
}
