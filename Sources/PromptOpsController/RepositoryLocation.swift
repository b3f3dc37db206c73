import Foundation
import PromptOpsGit

/// Where the manifests come from: a local repository path, or a URL cloned into a cache
/// directory beside the database and fetched on every poll.
public struct RepositoryLocation: Sendable, Equatable {
    /// What the user gave (`/path/to/repo`, `file:///…`, `https://…`, `ssh://…`).
    public var repo: String
    /// The branch polled.
    public var branch: String
    /// The folder inside the repository holding manifests ("" for the root).
    public var path: String
    /// Where clones of URLs are kept.
    public var cacheDirectory: String
    /// Credentials for the remote (secrets already read).
    public var credentials: GitCredentials = .none
    /// Bound on one connect + fetch.
    public var timeout: Duration = .seconds(60)
    /// Runs fetches in a child process that is killed at the timeout (nil: in this process,
    /// with no bound on a remote that never answers).
    public var fetcher: GitFetchRunner?

    /// Creates a location; the cache lives in `<db>.git-cache/` beside the database.
    public init(repo: String, branch: String = "main", path: String = "", databasePath: String) {
        self.repo = repo
        self.branch = branch
        self.path = Self.normalizedPath(path)
        let safe = repo.map { $0.isLetter || $0.isNumber ? $0 : "_" }
        self.cacheDirectory = databasePath + ".git-cache/" + String(safe.suffix(80))
    }

    /// Whether `repo` is a URL to clone rather than a local repository.
    public var isURL: Bool {
        ["file://", "https://", "http://", "ssh://", "git://"].contains { repo.hasPrefix($0) }
            || (repo.contains("@") && repo.contains(":") && !repo.hasPrefix("/"))
    }

    /// Brings the mirror of a URL up to date through the fetcher and opens it; opens a local
    /// repository as it is. Used when a ``fetcher`` is set.
    public func fetchAndOpen() async throws(GitError) -> GitRepository {
        guard isURL, let fetcher else { return try open() }
        try await fetcher.fetch(url: repo, cacheDirectory: cacheDirectory, credentials: credentials, timeout: timeout)
        return try GitRepository.openOrClone(url: repo, cacheDirectory: cacheDirectory)
    }

    /// Opens the local repository, or opens/clones the cached mirror of a URL.
    public func open() throws(GitError) -> GitRepository {
        if isURL {
            try? FileManager.default.createDirectory(atPath: (cacheDirectory as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            return try GitRepository.openOrClone(url: repo, cacheDirectory: cacheDirectory)
        }
        return try GitRepository.open(path: repo)
    }

    /// `./a/b/` → `a/b`; `.` → "".
    static func normalizedPath(_ path: String) -> String {
        path.split(separator: "/").filter { $0 != "." && !$0.isEmpty }.joined(separator: "/")
    }
}
