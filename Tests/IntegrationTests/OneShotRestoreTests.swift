import Foundation
import Testing
import PromptOpsController
import PromptOpsCore
import PromptOpsStore

/// A one-shot `sync` after a small commit reads only the changed files from git: the other
/// files of the touched namespace stand in from the store's served objects. A problem the
/// commit causes in one of those unchanged files is still reported at its exact position
/// (the file is read from git once a problem points at it).
@Suite("One-shot sync restores unchanged files from the store")
struct OneShotRestoreTests {
    static func template(_ name: String, label: String = "support") -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: PromptTemplate
        metadata: {name: \(name), namespace: support, labels: {team: \(label)}}
        spec:
          inputs: {who: {type: string, default: world}}
          text: "Hello {{who}} from \(name)"
        """
    }

    static let bundle = template("greet") + """

        ---
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: reply-prod, namespace: support, labels: {team: support}}
        spec: {template: reply, strategy: {type: Direct}}
        """

    static let policy = """
        apiVersion: promptops.dev/v1alpha1
        kind: Policy
        metadata: {name: labels, namespace: support}
        spec:
          enforcement: Warn
          match: {kinds: [PromptTemplate]}
          rules: {requiredLabels: [team]}
        """

    func oneShot(_ workspace: GitWorkspace, _ db: String) async throws -> SyncReport {
        let store = try ServingStore(path: workspace.path(db))
        let reconciler = Reconciler(location: RepositoryLocation(repo: workspace.repo.path, branch: "main", databasePath: workspace.path(db)),
                                    store: store, now: { Date(timeIntervalSince1970: 1_795_000_000) })
        await reconciler.startFromStore()
        return try await reconciler.reconcile()
    }

    func full(_ workspace: GitWorkspace, _ db: String) async throws -> SyncReport {
        let store = try ServingStore(path: workspace.path(db))
        let reconciler = Reconciler(location: RepositoryLocation(repo: workspace.repo.path, branch: "main", databasePath: workspace.path(db)),
                                    store: store, now: { Date(timeIntervalSince1970: 1_795_000_000) })
        return try await reconciler.reconcile()
    }

    @Test func aOneFileCommitReadsOneFileAndEndsLikeAFullSync() async throws {
        let workspace = try GitWorkspace()
        var files: [String: String?] = ["support/policy.yaml": Self.policy, "support/bundle.yaml": Self.bundle]
        for i in 0..<20 { files["support/t\(i).yaml"] = Self.template("t\(i)") }
        files["support/reply.yaml"] = Self.template("reply")
        _ = try workspace.commit(files)
        let first = try await oneShot(workspace, "one-shot.db")
        #expect(first.filesRead == 23)
        _ = try await full(workspace, "full.db")
        // One template changes (and loses its label: the Policy warns about it).
        _ = try workspace.commit(["support/t3.yaml": Self.template("t3").replacingOccurrences(of: ", labels: {team: support}", with: "")])
        let second = try await oneShot(workspace, "one-shot.db")
        #expect(second.filesRead == 1)
        #expect(second.plan.namespaces.first { $0.name == "support" }?.warnings.map(\.message).contains { $0.contains("team") } == true)
        _ = try await full(workspace, "full.db")
        let (mine, theirs) = (try ServedSummary(workspace.path("one-shot.db")), try ServedSummary(workspace.path("full.db")))
        #expect(mine == theirs, "\(mine.difference(from: theirs))")
    }

    /// A Deployment alone in its file (no template in it: nothing else would make the file be
    /// parsed again), its template named on line 7.
    static let deployment = """
        # The Deployment of reply.
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: reply-prod, namespace: support, labels: {team: support}}
        spec:
          strategy: {type: Direct}
          template: reply
        """

    @Test func aProblemInAnUnchangedFileIsReportedWhereItIsWritten() async throws {
        let workspace = try GitWorkspace()
        var files: [String: String?] = ["support/deploy.yaml": Self.deployment, "support/reply.yaml": Self.template("reply")]
        for i in 0..<5 { files["support/t\(i).yaml"] = Self.template("t\(i)") }
        _ = try workspace.commit(files)
        _ = try await oneShot(workspace, "one-shot.db")
        _ = try await full(workspace, "full.db")
        // The unchanged Deployment loses its template.
        _ = try workspace.commit(["support/reply.yaml": nil])
        let report = try await oneShot(workspace, "one-shot.db")
        let errors = report.failedNamespaces.flatMap(\.errors)
        let missing = try #require(errors.first { $0.message.contains("no PromptTemplate 'reply'") })
        // `template: reply` is on line 7, column 13; the restored copy would say 1:1.
        #expect(missing.location.path == "support/deploy.yaml")
        #expect(missing.location.line == 7)
        #expect(missing.location.column == 13)
        _ = try await full(workspace, "full.db")
        let (mine, theirs) = (try ServedSummary(workspace.path("one-shot.db")), try ServedSummary(workspace.path("full.db")))
        #expect(mine == theirs, "\(mine.difference(from: theirs))")
    }

    /// A change of labels alone (same spec, same hash) is written to the served row: status
    /// shows it, and a later one-shot sync restores that file with the labels git has.
    @Test func aLabelOnlyChangeReachesTheStore() async throws {
        let workspace = try GitWorkspace()
        var files: [String: String?] = ["support/policy.yaml": Self.policy]
        for i in 0..<3 { files["support/t\(i).yaml"] = Self.template("t\(i)") }
        _ = try workspace.commit(files)
        _ = try await oneShot(workspace, "one-shot.db")
        _ = try await full(workspace, "full.db")
        // t1 loses its label: the Policy warns.
        _ = try workspace.commit(["support/t1.yaml": Self.template("t1").replacingOccurrences(of: ", labels: {team: support}", with: "")])
        _ = try await oneShot(workspace, "one-shot.db")
        _ = try await full(workspace, "full.db")
        // Another file changes: t1 is restored from its row, which must say it has no label.
        _ = try workspace.commit(["support/t2.yaml": Self.template("t2", label: "other")])
        let report = try await oneShot(workspace, "one-shot.db")
        _ = try await full(workspace, "full.db")
        #expect(report.plan.namespaces.first { $0.name == "support" }?.warnings.contains { $0.location.path == "support/t1.yaml" } == true)
        for db in ["one-shot.db", "full.db"] {
            let store = try ServingStore(path: workspace.path(db))
            let t1 = try #require(try store.template(namespace: "support", name: "t1"))
            #expect(t1.labels.isEmpty, "\(db): \(t1.labels)")
            let t2 = try #require(try store.template(namespace: "support", name: "t2"))
            #expect(t2.labels == ["team": "other"], "\(db): \(t2.labels)")
        }
        let (mine, theirs) = (try ServedSummary(workspace.path("one-shot.db")), try ServedSummary(workspace.path("full.db")))
        #expect(mine == theirs, "\(mine.difference(from: theirs))")
    }

    /// "Defined twice … first at" quotes the first file's position: exact, though that file
    /// is unchanged (and would otherwise stand in from the store with its start as position).
    @Test func aDuplicateNamesTheFirstDefinitionWhereItIsWritten() async throws {
        let workspace = try GitWorkspace()
        var files: [String: String?] = [:]
        for i in 0..<3 { files["support/t\(i).yaml"] = Self.template("t\(i)") }
        _ = try workspace.commit(files)
        _ = try await oneShot(workspace, "one-shot.db")
        _ = try await full(workspace, "full.db")
        _ = try workspace.commit(["support/z.yaml": Self.template("t0")])
        let report = try await oneShot(workspace, "one-shot.db")
        _ = try await full(workspace, "full.db")
        let twice = try #require(report.failedNamespaces.flatMap(\.errors).first { $0.message.contains("defined twice") })
        #expect(twice.location.path == "support/z.yaml")
        // `name: t0` on line 3 of t0.yaml, not 1:1.
        #expect(twice.message.contains("first at support/t0.yaml:3:"), "\(twice.message)")
        let (mine, theirs) = (try ServedSummary(workspace.path("one-shot.db")), try ServedSummary(workspace.path("full.db")))
        #expect(mine == theirs, "\(mine.difference(from: theirs))")
    }
}
