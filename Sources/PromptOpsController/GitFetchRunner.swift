import Foundation
import PromptOpsGit

/// What the `promptops git-fetch` child is asked to do (one JSON line).
public struct GitFetchRequest: Codable, Sendable {
    /// The remote.
    public var url: String
    /// The bare mirror cache.
    public var cacheDirectory: String
    /// Secrets included: sent over the child's standard input only.
    public var credentials: GitCredentials
    /// The child's own deadline for progress callbacks.
    public var timeoutMilliseconds: Int64
    /// The one branch to fetch (nil: every branch and tag).
    public var branch: String?

    /// Creates a request.
    public init(url: String, cacheDirectory: String, credentials: GitCredentials, timeoutMilliseconds: Int64, branch: String? = nil) {
        self.url = url
        self.cacheDirectory = cacheDirectory
        self.credentials = credentials
        self.timeoutMilliseconds = timeoutMilliseconds
        self.branch = branch
    }
}

/// The child's answer to one request (one JSON line): nothing on success, else the error.
public struct GitFetchResponse: Codable, Sendable {
    /// libgit2's code, class and message, or ours; nil on success.
    public var code: Int32?
    public var klass: Int32?
    public var message: String?

    /// Creates an answer.
    public init(error: GitError?) {
        code = error?.code
        klass = error?.klass
        message = error?.message
    }
}

/// Runs clones and fetches of mirror caches, each bounded by a timeout.
///
/// libgit2 1.5 has no timeout option, and a remote that accepts the TCP connection and never
/// answers leaves it blocked in `recv` where no callback runs. So fetches run in a child
/// process (`promptops git-fetch`, the same executable) that is killed at the deadline; the
/// cache's leftover lock files are then removed and the next fetch starts a new child. The
/// child serves one cache (one source) and stays up between fetches: starting the executable
/// costs ~30 ms, a third of a webhook-to-served pass on 10,000 templates (hack/bench/webhook).
/// Waiting happens on pipe handlers and timers, never by blocking Swift's cooperative threads.
public struct GitFetchRunner: Sendable, Equatable {
    /// The `promptops` executable (the controller's own).
    public var executable: String
    private let workers = FetchWorkers()

    /// Creates a runner.
    public init(executable: String) {
        self.executable = executable
    }

    public static func == (a: Self, b: Self) -> Bool { a.executable == b.executable }

    /// `/proc/self/exe` itself rather than the path it points at: after a package upgrade
    /// replaced the file, the running binary is still reachable there.
    public static var currentExecutable: String {
        FileManager.default.fileExists(atPath: "/proc/self/exe") ? "/proc/self/exe" : CommandLine.arguments[0]
    }

    /// Clones or fetches (only `branch`, when given); throws a ``GitError`` with the child's
    /// message, or a timeout.
    public func fetch(url: String, cacheDirectory: String, credentials: GitCredentials, timeout: Duration,
                      branch: String? = nil) async throws(GitError) {
        let operation = "fetch \(url)"
        var line: Data
        do {
            line = try JSONEncoder().encode(GitFetchRequest(url: url, cacheDirectory: cacheDirectory, credentials: credentials,
                                                            timeoutMilliseconds: Self.milliseconds(timeout), branch: branch))
        } catch {
            throw GitError(code: -1, klass: 0, message: "cannot encode the fetch request", operation: operation)
        }
        line.append(UInt8(ascii: "\n"))
        try? FileManager.default.createDirectory(atPath: (cacheDirectory as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        switch await workers.run(line, key: cacheDirectory, executable: executable, timeout: timeout) {
        case .answered(let data):
            guard let response = try? JSONDecoder().decode(GitFetchResponse.self, from: data) else {
                throw GitError(code: -1, klass: 0, message: "git-fetch gave an answer that is not JSON", operation: operation)
            }
            if let message = response.message {
                throw GitError(code: response.code ?? -1, klass: response.klass ?? 0, message: message, operation: operation)
            }
        case .timedOut:
            GitRepository.removeStaleFetchLeftovers(cacheDirectory: cacheDirectory)
            throw GitError(code: -1, klass: 0, message: "timed out after \(timeout) (connect + fetch)", operation: operation)
        case .died(let status):
            // Whatever it was writing is left half done.
            GitRepository.removeStaleFetchLeftovers(cacheDirectory: cacheDirectory)
            throw GitError(code: -1, klass: 0, message: "git-fetch ended without an answer (status \(status))", operation: operation)
        case .failedToStart(let why):
            throw GitError(code: -1, klass: 0, message: "cannot start \(executable) git-fetch: \(why)", operation: operation)
        }
    }

    static func milliseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }
}
