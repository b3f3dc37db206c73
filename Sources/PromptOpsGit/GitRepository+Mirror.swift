import CLibGit2
import Foundation

extension GitRepository {
    /// Brings the bare mirror of `url` in `cacheDirectory` up to date with the remote: clones it
    /// when absent, fetches otherwise, authenticating with `credentials`. Progress callbacks
    /// cancel the transfer once `timeout` has passed; a remote that sends nothing at all must be
    /// bounded by whoever runs this (the controller runs it in a child process it can kill).
    /// With `branch`, only that branch is fetched (see `GitMirror`).
    /// Blocking: call it off Swift's cooperative pool.
    public static func syncMirror(url: String, cacheDirectory: String, credentials: GitCredentials,
                                  timeout: Duration?, branch: String? = nil) throws(GitError) {
        try GitRuntime.start()
        if case .https(_, _, let caFile?) = credentials {
            _ = promptops_git_set_ssl_cert_file(caFile)
        }
        let remoteURL = GitMirror.normalizedURL(url)
        let session = FetchSession(credentials: credentials, url: remoteURL, deadline: timeout.map { ContinuousClock.now + $0 })
        if GitMirror.isAbsentOrEmptyDirectory(cacheDirectory) {
            try GitMirror.clone(url: remoteURL, into: cacheDirectory, branch: branch, session: session)
            return
        }
        let operation = "open cached clone at \(cacheDirectory)"
        let owner = try RepositoryHandle.open(at: cacheDirectory, operation: operation)
        let recorded = try GitMirror.originURL(of: owner.pointer, operation: operation)
        guard recorded == remoteURL else {
            throw GitError(code: GitError.existsCode, class: GIT_ERROR_REPOSITORY,
                           message: "the cache directory holds a clone of '\(recorded)', not '\(remoteURL)'", operation: operation)
        }
        try GitMirror.fetch(repository: owner.pointer, branch: branch, session: session)
    }

    /// Removes what a killed fetch can leave behind in a mirror cache (lock files, half-written
    /// pack files, staging clones), so the next fetch is not refused. Only call it while no
    /// fetch of this cache runs.
    public static func removeStaleFetchLeftovers(cacheDirectory: String) {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: cacheDirectory).standardizedFileURL
        if let walker = fm.enumerator(atPath: root.path) {
            for case let relative as String in walker where relative.hasSuffix(".lock") || relative.hasPrefix("objects/pack/pack_git2_") {
                try? fm.removeItem(atPath: root.appendingPathComponent(relative).path)
            }
        }
        let parent = root.deletingLastPathComponent()
        for name in (try? fm.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix(".\(root.lastPathComponent).clone-") {
            try? fm.removeItem(atPath: parent.appendingPathComponent(name).path)
        }
    }
}
