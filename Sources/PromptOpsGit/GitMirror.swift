import CLibGit2
import Foundation

/// The bare mirror cache behind `GitRepository.openOrClone`: how it is cloned and fetched.
///
/// The cache is a bare repository whose `origin` remote maps the remote's branches and tags
/// one-to-one onto local ones (`+refs/heads/*:refs/heads/*`, `+refs/tags/*:refs/tags/*`), fetched
/// with pruning. Branch names therefore mean "the remote's branch as of the last fetch". A fetch
/// given the branch it is for fetches only that branch (`+refs/heads/B:refs/heads/B`, plus the
/// tags pointing into what it brings): other branches are never downloaded.
enum GitMirror {
    /// Name of the remote the cache fetches from.
    static let remoteName = "origin"
    /// Refspecs of that remote; the first is given at creation, the rest are added.
    static let refspecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]

    /// The URL as recorded in the cache: URLs (`scheme://…`) and scp-like ssh (`user@host:path`)
    /// are kept verbatim; local paths are made absolute and standardised.
    static func normalizedURL(_ url: String) -> String {
        if url.contains("://") || isSCPLike(url) { return url }
        let expanded = (url as NSString).expandingTildeInPath
        let absolute = expanded.hasPrefix("/")
            ? expanded
            : FileManager.default.currentDirectoryPath + "/" + expanded
        return URL(fileURLWithPath: absolute).standardizedFileURL.path
    }

    /// `host:path` or `user@host:path` — a colon before any slash, as git decides.
    private static func isSCPLike(_ url: String) -> Bool {
        guard let colon = url.firstIndex(of: ":") else { return false }
        if let slash = url.firstIndex(of: "/"), slash < colon { return false }
        return true
    }

    /// Whether nothing (or only an empty folder) is at `path`, i.e. a clone may go there.
    static func isAbsentOrEmptyDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return true }
        guard isDirectory.boolValue else { return false }
        return (try? FileManager.default.contentsOfDirectory(atPath: path).isEmpty) ?? false
    }

    /// Clones `url` into `directory` via a sibling staging folder renamed into place.
    ///
    /// If another process put a repository at `directory` first, returns without error and
    /// leaves it to the caller to open (and validate) that one.
    static func clone(url: String, into directory: String, branch: String? = nil, session: FetchSession? = nil) throws(GitError) {
        let operation = "clone \(url) into \(directory)"
        let target = URL(fileURLWithPath: directory).standardizedFileURL
        let parent = target.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw GitError(code: -1, class: GIT_ERROR_OS, message: "\(error)", operation: operation)
        }
        let staging = parent.appendingPathComponent(".\(target.lastPathComponent).clone-\(UUID().uuidString)").path
        // The staging folder is ours alone (random name); after a successful rename it no longer exists.
        defer { try? FileManager.default.removeItem(atPath: staging) }
        try populate(staging, from: url, branch: branch, operation: operation, session: session)
        if rename(staging, target.path) != 0 {
            let code = errno
            if !isAbsentOrEmptyDirectory(target.path) && (code == ENOTEMPTY || code == EEXIST) {
                return  // lost a race against another cloner; the caller opens theirs
            }
            throw GitError(
                code: -1, class: GIT_ERROR_OS,
                message: "cannot move the clone into place: \(String(cString: strerror(code)))",
                operation: operation)
        }
    }

    /// Initialises a bare repository at `staging`, adds the mirror remote and fetches it.
    private static func populate(_ staging: String, from url: String, branch: String?, operation: String,
                                 session: FetchSession?) throws(GitError) {
        let repository = try RepositoryHandle.initBare(at: staging, operation: operation)
        var remote: OpaquePointer?
        try gitCheck(
            git_remote_create_with_fetchspec(&remote, repository.pointer, remoteName, url, refspecs[0]), operation)
        git_remote_free(remote)
        for refspec in refspecs.dropFirst() {
            try gitCheck(git_remote_add_fetch(repository.pointer, remoteName, refspec), operation)
        }
        try fetch(repository: repository.pointer, branch: branch, session: session)
    }

    /// The URL recorded for `origin` in a cache.
    static func originURL(of repository: OpaquePointer, operation: String) throws(GitError) -> String {
        var remote: OpaquePointer?
        try gitCheck(git_remote_lookup(&remote, repository, remoteName), operation)
        defer { git_remote_free(remote) }
        return git_remote_url(remote).map { String(cString: $0) } ?? ""
    }

    /// Fetches `origin` with pruning, then points `HEAD` at the remote's default branch (when
    /// fetched). With `branch`, only that branch is fetched if the remote has it (a leading
    /// `refs/heads/` is accepted; so is `origin/` as an alias, as `resolve` does); otherwise
    /// (no branch, or a name the remote has no branch of: a tag, a sha) the configured
    /// refspecs fetch every branch and tag. Refs only move if the whole fetch succeeds.
    static func fetch(repository: OpaquePointer, branch: String? = nil, session: FetchSession? = nil) throws(GitError) {
        var remote: OpaquePointer?
        try gitCheck(git_remote_lookup(&remote, repository, remoteName), "fetch: look up remote '\(remoteName)'")
        let url = git_remote_url(remote).map { String(cString: $0) } ?? "?"
        let operation = "fetch \(remoteName) (\(url))"

        var callbacks = git_remote_callbacks()
        _ = git_remote_init_callbacks(&callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))  // only fails on a version mismatch
        let session = session ?? FetchSession(credentials: .none, url: url, deadline: nil)
        // The callbacks point at `session` (unretained); it lives until this function returns.
        GitRemoteCallbacks.install(&callbacks, session: session)
        // The callbacks hold `session` unretained: keep it alive until the remote is freed.
        defer {
            git_remote_free(remote)
            withExtendedLifetime(session) {}
        }
        do {
                try gitCheck(git_remote_connect(remote, GIT_DIRECTION_FETCH, &callbacks, nil, nil), operation)
                let defaultBranch = defaultBranch(of: remote)
                var options = git_fetch_options()
                try gitCheck(git_fetch_options_init(&options, UInt32(GIT_FETCH_OPTIONS_VERSION)), operation)
                options.prune = GIT_FETCH_PRUNE
                options.callbacks = callbacks
                let narrowed = branch.flatMap { advertisedBranch($0, of: remote) }.map { "+\($0):\($0)" }
                try withRefspecs(narrowed.map { [$0] } ?? []) { refspecs throws(GitError) in
                    _ = try gitCheck(git_remote_fetch(remote, refspecs, &options, "promptops: fetch \(url)"), operation)
                }
                if let defaultBranch {
                    pointHead(of: repository, at: defaultBranch)
                }
            } catch {
                // Say why in our words when a callback refused (host key, credentials, deadline).
                if let refusal = session.refusal {
                    throw GitError(code: error.code, klass: error.klass, message: refusal, operation: operation)
                }
                if session.isPastDeadline {
                    throw GitError(code: error.code, klass: error.klass, message: "timed out", operation: operation)
                }
                throw error
            }
    }

    /// `refs/heads/<branch>` when the connected remote advertises it (also for `branch` spelled
    /// `refs/heads/…` or `origin/…`); nil when it has no such branch.
    static func advertisedBranch(_ branch: String, of remote: OpaquePointer?) -> String? {
        var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
        var count = 0
        guard git_remote_ls(&heads, &count, remote) == 0, let heads else { return nil }
        var names = Set<String>()
        for index in 0..<count {
            if let head = heads[index], let name = head.pointee.name { names.insert(String(cString: name)) }
        }
        var short = branch.hasPrefix("refs/heads/") ? String(branch.dropFirst("refs/heads/".count)) : branch
        if !names.contains("refs/heads/" + short), short.hasPrefix("origin/") { short = String(short.dropFirst("origin/".count)) }
        return names.contains("refs/heads/" + short) ? "refs/heads/" + short : nil
    }

    /// Calls `body` with `refspecs` as a `git_strarray` (nil when empty: the configured ones).
    private static func withRefspecs(_ refspecs: [String], _ body: (UnsafePointer<git_strarray>?) throws(GitError) -> Void) throws(GitError) {
        guard !refspecs.isEmpty else { return try body(nil) }
        let strings = refspecs.map { strdup($0) }
        defer { strings.forEach { free($0) } }
        var pointers = strings
        let result: Result<Void, GitError> = pointers.withUnsafeMutableBufferPointer { buffer in
            var array = git_strarray(strings: buffer.baseAddress, count: buffer.count)
            do throws(GitError) {
                try body(&array)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// The remote's default branch (`refs/heads/…`) of a connected remote, if it can tell.
    private static func defaultBranch(of remote: OpaquePointer?) -> String? {
        var buffer = git_buf()
        defer { git_buf_dispose(&buffer) }
        guard git_remote_default_branch(&buffer, remote) == 0, let name = buffer.ptr else { return nil }
        let branch = String(cString: name)
        return branch.hasPrefix("refs/heads/") ? branch : nil
    }

    /// Points the cache's `HEAD` at `branch` if that branch exists locally. Best effort: a stale
    /// `HEAD` only affects `resolve("HEAD")`, so a failure here does not fail the fetch.
    private static func pointHead(of repository: OpaquePointer, at branch: String) {
        var reference: OpaquePointer?
        guard git_reference_lookup(&reference, repository, branch) == 0 else { return }
        git_reference_free(reference)
        _ = git_repository_set_head(repository, branch)
    }
}
