import Foundation
import PromptOpsTestSupport

/// A throwaway git repository driven by the real `git` CLI, inside its own temporary folder.
///
/// Everything lives under `root`, which is deleted when the fixture goes away; tests put caches
/// and other repositories under `root` too (via `scratch(_:)`).
final class GitFixture {
    /// Failure of a `git` invocation, with its output.
    struct CommandFailed: Error, CustomStringConvertible {
        var arguments: [String]
        var status: Int32
        var output: String
        var description: String { "git \(arguments.joined(separator: " ")) exited \(status): \(output)" }
    }

    /// The temporary folder holding this fixture and anything the test adds next to it.
    let root: URL
    /// The work tree of the repository.
    let path: String

    /// Creates `root/<name>` and runs `git init -b main` there.
    init(name: String = "origin") throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("promptops-git-tests-\(UUID().uuidString)")
        path = root.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try git("init", "-q", "-b", "main")
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    /// A path under `root` that does not exist yet (for caches, clones, moved origins).
    func scratch(_ name: String) -> String {
        root.appendingPathComponent(name).path
    }

    /// Runs `git` in the work tree with a fixed identity and no user/system config; returns trimmed stdout.
    @discardableResult
    func git(_ arguments: String..., in directory: String? = nil, environment: [String: String] = [:]) throws -> String {
        let identity = ["-c", "user.name=PromptOps Test", "-c", "user.email=test@promptops.dev"]
        let env = ["GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"].merging(environment) { _, new in new }
        let (status, output) = try ChildProcess.runMerged("/usr/bin/env", ["git", "-C", directory ?? path] + identity + arguments, environment: env)
        let text = output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard status == 0 else {
            throw CommandFailed(arguments: arguments, status: status, output: text)
        }
        return text
    }

    /// Writes `content` to a work-tree file, creating folders as needed.
    func write(_ relativePath: String, _ content: String) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(content.utf8).write(to: url)
    }

    /// Deletes a work-tree file (tolerating its absence when `ifPresent`).
    func delete(_ relativePath: String, ifPresent: Bool = false) throws {
        let file = URL(fileURLWithPath: path).appendingPathComponent(relativePath).path
        if ifPresent && !FileManager.default.fileExists(atPath: file) { return }
        try FileManager.default.removeItem(atPath: file)
    }

    /// Stages everything and commits; returns the new commit's full sha.
    @discardableResult
    func commit(_ message: String, date: String? = nil) throws -> String {
        try git("add", "-A")
        let environment = date.map { ["GIT_AUTHOR_DATE": $0, "GIT_COMMITTER_DATE": $0] } ?? [:]
        try git("commit", "-q", "--allow-empty", "-m", message, environment: environment)
        return try git("rev-parse", "HEAD")
    }
}

/// Text of a file's bytes, for readable expectations.
func text(_ bytes: [UInt8]) -> String {
    String(decoding: bytes, as: UTF8.self)
}
