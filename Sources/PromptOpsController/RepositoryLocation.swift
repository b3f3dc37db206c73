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
    /// repository as it is. Used when a ``fetcher`` is set. Only ``branch`` is fetched.
    public func fetchAndOpen() async throws(GitError) -> GitRepository {
        guard isURL, let fetcher else { return try open() }
        try await fetcher.fetch(url: repo, cacheDirectory: cacheDirectory, credentials: credentials, timeout: timeout, branch: branch)
        return try GitRepository.openOrClone(url: repo, cacheDirectory: cacheDirectory, branch: branch)
    }

    /// Opens the local repository, or opens/clones the cached mirror of a URL (whose fetches
    /// bring only ``branch``).
    public func open() throws(GitError) -> GitRepository {
        if isURL {
            try? FileManager.default.createDirectory(atPath: (cacheDirectory as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            return try GitRepository.openOrClone(url: repo, cacheDirectory: cacheDirectory, branch: branch)
        }
        return try GitRepository.open(path: repo)
    }

    /// Whether a clone of the URL is in the cache (a local repository has none).
    public var hasCache: Bool {
        isURL && !((try? FileManager.default.contentsOfDirectory(atPath: cacheDirectory).isEmpty) ?? true)
    }

    /// Removes the cached clone (a corrupted one is cloned afresh by the next open or fetch).
    /// Only while nothing reads or fetches it.
    public func discardCache() {
        guard isURL else { return }
        try? FileManager.default.removeItem(atPath: cacheDirectory)
        GitRepository.removeStaleFetchLeftovers(cacheDirectory: cacheDirectory)
    }

    /// `./a/b/` → `a/b`; `.` → "".
    static func normalizedPath(_ path: String) -> String {
        path.split(separator: "/").filter { $0 != "." && !$0.isEmpty }.joined(separator: "/")
    }
}
