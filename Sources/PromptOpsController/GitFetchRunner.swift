import Foundation
import PromptOpsGit

/// What the `promptops git-fetch` child is asked to do.
public struct GitFetchRequest: Codable, Sendable {
    /// The remote.
    public var url: String
    /// The bare mirror cache.
    public var cacheDirectory: String
    /// Secrets included: sent over the child's standard input only.
    public var credentials: GitCredentials
    /// The child's own deadline for progress callbacks.
    public var timeoutMilliseconds: Int64

    /// Creates a request.
    public init(url: String, cacheDirectory: String, credentials: GitCredentials, timeoutMilliseconds: Int64) {
        self.url = url
        self.cacheDirectory = cacheDirectory
        self.credentials = credentials
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

/// Runs clones and fetches of mirror caches, each bounded by a timeout.
///
/// libgit2 1.5 has no timeout option, and a remote that accepts the TCP connection and never
/// answers leaves it blocked in `recv` where no callback runs. So each fetch runs in a child
/// process (`promptops git-fetch`, the same executable) that is killed at the deadline; the
/// cache's lock files are then removed so the next fetch is not refused. Waiting happens on
/// the child's termination handler, never on Swift's cooperative threads.
public struct GitFetchRunner: Sendable, Equatable {
    /// The `promptops` executable (the controller's own).
    public var executable: String

    /// Creates a runner.
    public init(executable: String) {
        self.executable = executable
    }

    /// The running process's own executable, for the controller.
    /// `/proc/self/exe` itself rather than the path it points at: after a package upgrade
    /// replaced the file, the running binary is still reachable there.
    public static var currentExecutable: String {
        FileManager.default.fileExists(atPath: "/proc/self/exe") ? "/proc/self/exe" : CommandLine.arguments[0]
    }

    /// Clones or fetches; throws a ``GitError`` with the child's message, or a timeout.
    public func fetch(url: String, cacheDirectory: String, credentials: GitCredentials, timeout: Duration) async throws(GitError) {
        let operation = "fetch \(url)"
        let input: Data
        do {
            input = try JSONEncoder().encode(GitFetchRequest(url: url, cacheDirectory: cacheDirectory, credentials: credentials,
                                                             timeoutMilliseconds: Self.milliseconds(timeout)))
        } catch {
            throw GitError(code: -1, klass: 0, message: "cannot encode the fetch request", operation: operation)
        }
        try? FileManager.default.createDirectory(atPath: (cacheDirectory as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // Fetches of one cache never overlap (one pass at a time per source, one cache per
        // source), so whatever a killed fetch (timeout, shutdown) left behind can go now.
        GitRepository.removeStaleFetchLeftovers(cacheDirectory: cacheDirectory)
        let outcome = await ChildProcess.run(executable: executable, arguments: ["git-fetch"], input: input, timeout: timeout)
        switch outcome {
        case .exited(0, _):
            return
        case .exited(let code, let stderr):
            let line = stderr.split(whereSeparator: \.isNewline).last.map(String.init) ?? "git-fetch exited with \(code)"
            throw Self.parse(line, operation: operation)
        case .timedOut:
            GitRepository.removeStaleFetchLeftovers(cacheDirectory: cacheDirectory)
            throw GitError(code: -1, klass: 0, message: "timed out after \(timeout) (connect + fetch)", operation: operation)
        case .failedToStart(let why):
            throw GitError(code: -1, klass: 0, message: "cannot start \(executable) git-fetch: \(why)", operation: operation)
        }
    }

    /// The child prints a ``GitError`` as `operation: message (git error CODE, class CLASS)`;
    /// read it back so the code and class survive the process boundary.
    static func parse(_ line: String, operation: String) -> GitError {
        guard let match = line.wholeMatch(of: /(?:fetch |clone )[^ ]*?(?: \([^)]*\))?(?: into [^:]*)?: (.*) \(git error (-?\d+), class (\d+)\)/) else {
            return GitError(code: -1, klass: 0, message: line, operation: operation)
        }
        return GitError(code: Int32(match.2) ?? -1, klass: Int32(match.3) ?? 0, message: String(match.1), operation: operation)
    }

    static func milliseconds(_ d: Duration) -> Int64 {
        d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }
}
