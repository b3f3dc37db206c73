import Foundation
import PromptOpsTestSupport

/// A real temporary git repository driven with the git CLI, plus a folder for the store.
final class GitWorkspace: Sendable {
    let root: URL
    let repo: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("promptops-it-\(UUID().uuidString)")
        repo = root.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        try git("init", "-q", "-b", "main")
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// A path under the workspace (for the store).
    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// Runs git in the repository.
    @discardableResult
    func git(_ args: String...) throws -> String {
        let run = try ChildProcess.run("/usr/bin/env", ["git", "-c", "user.name=Ana Lima", "-c", "user.email=ana@example.com", "-c", "commit.gpgsign=false", "-C", repo.path] + args)
        guard run.status == 0 else { throw WorkspaceError.git(args.joined(separator: " ")) }
        return run.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes files (path → content; nil deletes) and commits them; returns the sha.
    @discardableResult
    func commit(_ files: [String: String?], message: String = "change") throws -> String {
        for (path, content) in files {
            let url = repo.appendingPathComponent(path)
            if let content {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try content.write(to: url, atomically: true, encoding: .utf8)
            } else {
                try? FileManager.default.removeItem(at: url)
            }
        }
        try git("add", "-A")
        try git("commit", "-q", "--allow-empty", "-m", message)
        return try git("rev-parse", "HEAD")
    }

    enum WorkspaceError: Error { case git(String) }
}

/// Manifests used across the scenarios.
enum Manifests {
    static func template(_ name: String, namespace: String, text: String) -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: \(name), namespace: \(namespace)}
        spec:
          inputs: {who: {type: string, default: world}}
          text: "\(text)"
        """
    }

    static func deployment(_ name: String, namespace: String, template: String) -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: \(name), namespace: \(namespace)}
        spec: {template: \(template), strategy: {type: Direct}}
        """
    }

    /// Two teams, each with one template and one Deployment.
    static func twoTeams(alpha: String = "Hello {{who}} from alpha", beta: String = "Hello {{who}} from beta") -> [String: String?] {
        [
            "alpha/greet.yaml": template("greet", namespace: "alpha", text: alpha),
            "alpha/deploy.yaml": deployment("greet-prod", namespace: "alpha", template: "greet"),
            "beta/greet.yaml": template("greet", namespace: "beta", text: beta),
            "beta/deploy.yaml": deployment("greet-prod", namespace: "beta", template: "greet"),
        ]
    }
}
