import Foundation
import GRDB
import PromptOpsCore
import PromptOpsStore

/// A real serving store in a temporary file, filled through the real pipeline: YAML →
/// `ManifestLoader` → `ManifestValidator` → `DesiredState` → `Planner` → `ServingStore.apply`.
final class ServedStore: Sendable {
    let directory: URL
    let store: ServingStore

    /// A fixed clock: stored times are exact to the millisecond.
    static let now = Date(timeIntervalSince1970: 1_790_000_000)

    /// Opens an empty store in a new temporary directory.
    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("promptops-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try ServingStore(path: directory.appendingPathComponent("serving.sqlite").path)
    }

    /// Opens a store and applies `files` as commit `revision`.
    convenience init(_ files: [String: String], revision: String = ServedStore.revision(1)) throws {
        try self.init()
        try apply(files, revision: revision)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// A 40-hex commit id made from `n`.
    static func revision(_ n: Int) -> String {
        let digits = String(n, radix: 16)
        return String(repeating: "a", count: 40 - digits.count) + digits
    }

    /// Applies `files` (path → YAML) as commit `revision`, then records the sync pass.
    @discardableResult
    func apply(_ files: [String: String], revision: String, author: String = "Ana Lima", branch: String = "main") throws -> ApplyReport {
        let set = ManifestLoader().load(files.keys.sorted().map { ManifestFile(path: $0, bytes: Array(files[$0]!.utf8)) })
        let validation = ManifestValidator().validate(set)
        let desired = DesiredState(set: set, validation: validation)
        let plan = Planner.plan(revision: revision, desired: desired, served: try store.servedState(), now: Self.now)
        let commit = CommitInfo(sha: revision, authorName: author, authorEmail: "ana@example.com", time: Self.now, message: "change")
        let report = try store.apply(plan, commit: commit, now: Self.now)
        try store.recordSyncPass(branch: branch, revision: revision, error: nil, now: Self.now)
        return report
    }
}

extension ServedStore {
    /// Writes a canary into a Deployment row as the rollout driver's weight step does: the row
    /// only, no audit record.
    func writeCanaryRow(namespace: String = "support", name: String = "support-reply-prod", version: Int, weight: Int) async throws {
        let db = try DatabaseQueue(path: directory.appendingPathComponent("serving.sqlite").path)
        try await db.write { db in
            try db.execute(sql: "UPDATE deployment SET canary_version = ?, canary_weight = ?, phase = 'Progressing' WHERE namespace = ? AND name = ?",
                           arguments: [version, weight, namespace, name])
        }
        try db.close()
    }
}

/// Manifests the tests serve: a chat template that includes a module, a text template, and
/// a Deployment for each, in namespace `support`.
enum Manifests {
    static let brandVoice = """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: brand-voice, namespace: support}
        spec:
          text: "You speak for Acme: warm, brief, no jargon."
        """

    static func supportReply(greeting: String = "Hello") -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: support-reply, namespace: support, labels: {team: support}}
        spec:
          description: Reply to a customer ticket.
          inputs:
            customer_name: {type: string, required: true, maxLength: 20}
            ticket: {type: string, required: true}
            tone: {type: string, enum: [friendly, formal], default: friendly}
            order_count: {type: integer, default: 0}
          messages:
            - role: system
              content: "{{> brand-voice}} Answer in a {{tone}} tone."
            - role: user
              content: "\(greeting) {{customer_name}} ({{order_count}} orders): {{ticket}}"
        """
    }

    static let tagline = """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: tagline, namespace: support}
        spec:
          inputs:
            campaign: {type: string, required: true}
            playful: {type: boolean, default: false}
          text: "Tagline for {{campaign}}.{{#playful}} Puns welcome.{{/playful}}"
        """

    static let deployments = """
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: support-reply-prod, namespace: support}
        spec:
          template: support-reply
          environment: production
          strategy: {type: Direct}
        ---
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: tagline-web, namespace: support}
        spec:
          template: tagline
          strategy: {type: Direct}
        """

    /// The whole repository at its first commit.
    static func repository(greeting: String = "Hello") -> [String: String] {
        [
            "support/brand-voice.yaml": brandVoice,
            "support/support-reply.yaml": supportReply(greeting: greeting),
            "support/tagline.yaml": tagline,
            "support/deployments.yaml": deployments,
        ]
    }
}
