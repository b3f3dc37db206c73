import Foundation
import GRDB
import HummingbirdTesting
import PromptOpsController
import PromptOpsStore
import Testing

/// End to end: a real git repository → the reconciler → a real SQLite file → the real HTTP server.
@Suite("Reconcile scenarios", .serialized)
struct ReconcileScenarioTests {
    @Test func aCommitIsServedAfterTheNextPoll() async throws {
        let ws = try GitWorkspace()
        try ws.commit(Manifests.twoTeams(), message: "first")
        let harness = try ControllerHarness(repo: ws.repo.path, db: ws.path("store.db"))
        try await harness.serve(pollEvery: .milliseconds(100)) { client in
            let first = try await eventually { try await client.get("/api/v1/namespaces/alpha/deployments/greet-prod/resolve?key=k1") }
            #expect(first.object["version"] as? Int == 1)
            let sha = try ws.commit(["alpha/greet.yaml": Manifests.template("greet", namespace: "alpha", text: "Hi {{who}}, new")], message: "second")
            let second = try await eventually(until: { $0.object["version"] as? Int == 2 }) {
                try await client.get("/api/v1/namespaces/alpha/deployments/greet-prod/resolve?key=k1")
            }
            #expect(second.object["variant"] as? String == "stable")
            let status = try await client.get("/api/v1/status")
            #expect(status.object["revision"] as? String == sha)
            let history = try await client.get("/api/v1/namespaces/alpha/templates/greet")
            let versions = history.object["versions"] as? [[String: Any]] ?? []
            #expect(versions.map { $0["version"] as? Int } == [1, 2])
            #expect(versions.last?["author"] as? String == "Ana Lima")
        }
    }

    @Test func aBrokenNamespaceKeepsServingWhileTheOtherApplies() async throws {
        let ws = try GitWorkspace()
        try ws.commit(Manifests.twoTeams(), message: "first")
        let harness = try ControllerHarness(repo: ws.repo.path, db: ws.path("store.db"))
        try await harness.poll()
        let betaBefore = try harness.store.templateVersion(namespace: "beta", name: "greet", version: 1)
        // beta reads an undeclared input (a template error); alpha changes cleanly.
        try ws.commit([
            "alpha/greet.yaml": Manifests.template("greet", namespace: "alpha", text: "Alpha v2 {{who}}"),
            "beta/greet.yaml": Manifests.template("greet", namespace: "beta", text: "Beta v2 {{nobody}}"),
        ], message: "one good, one broken")
        let report = try await harness.poll()
        #expect(report.failedNamespaces.map(\.name) == ["beta"])
        try await harness.serve { client in
            let render = try await client.execute(uri: "/api/v1/namespaces/beta/deployments/greet-prod/render", method: .post,
                                                  body: .init(string: "{\"variables\": {}}"))
            #expect(render.object["text"] as? String == "Hello world from beta")
            let alpha = try await client.execute(uri: "/api/v1/namespaces/alpha/deployments/greet-prod/render", method: .post,
                                                 body: .init(string: "{\"variables\": {\"who\": \"Ana\"}}"))
            #expect(alpha.object["text"] as? String == "Alpha v2 Ana")
            let status = try await client.get("/api/v1/status")
            let namespaces = status.object["namespaces"] as? [[String: Any]] ?? []
            let beta = try #require(namespaces.first { $0["name"] as? String == "beta" })
            let errors = beta["errors"] as? [[String: Any]] ?? []
            #expect(errors.count == 1)
            #expect(errors.first?["path"] as? String == "beta/greet.yaml")
            #expect(errors.first?["line"] as? Int == 6)
            #expect(errors.first?["column"] as? Int == 18)
            #expect(beta["lastAppliedRevision"] as? String != beta["lastAttemptedRevision"] as? String)
        }
        // Byte-identical: the served row of beta did not move.
        let betaAfter = try harness.store.templateVersion(namespace: "beta", name: "greet", version: 1)
        #expect(betaAfter == betaBefore)
        #expect(try harness.store.templates(namespace: "beta").map(\.version) == [1])
    }

    /// Between passes the controller keeps templates compacted (canonical JSON, no YAML
    /// positions). A problem that a later commit reveals in an unchanged template must still
    /// be reported at its exact position: the file is parsed again for it.
    @Test func aProblemInAnUnchangedTemplateIsReportedAtItsExactPosition() async throws {
        let ws = try GitWorkspace()
        try ws.commit(Manifests.twoTeams(), message: "first")
        let harness = try ControllerHarness(repo: ws.repo.path, db: ws.path("store.db"))
        try await harness.poll()
        try ws.commit(["alpha/policy.yaml": """
            apiVersion: promptops.dev/v1alpha1
            kind: Policy
            metadata: {name: no-from, namespace: alpha}
            spec:
              enforcement: Deny
              match: {kinds: [PromptTemplate]}
              rules:
                forbiddenPatterns: [{name: from, regex: "from"}]
            """], message: "a policy that alpha/greet.yaml breaks")
        let report = try await harness.poll()
        #expect(report.failedNamespaces.map(\.name) == ["alpha"])
        // The policy, and greet.yaml again for the position.
        #expect(report.filesRead == 2)
        let errors = report.failedNamespaces.first?.errors.map(\.description) ?? []
        // The same position `promptops validate` reports from the files themselves.
        #expect(errors == ["alpha/greet.yaml:6:24: error: policy 'no-from' (Deny): text contains forbidden pattern 'from'"])
        // A pass over the same revision reports it at the same place.
        let again = try await harness.poll()
        #expect(again.failedNamespaces.first?.errors.map(\.description) == errors)
    }

    @Test func aSyntaxErrorInAFileBlocksItsNamespaceInsteadOfPruning() async throws {
        let ws = try GitWorkspace()
        try ws.commit(Manifests.twoTeams(), message: "first")
        let harness = try ControllerHarness(repo: ws.repo.path, db: ws.path("store.db"))
        try await harness.poll()
        try ws.commit(["beta/deploy.yaml": "apiVersion: promptops.dev/v1alpha1\nkind: Deployment\nmetadata: {name: greet-prod, namespace: beta\nspec: ["], message: "broken yaml")
        let report = try await harness.poll()
        #expect(report.failedNamespaces.map(\.name) == ["beta"])
        #expect(try harness.store.deployment(namespace: "beta", name: "greet-prod") != nil)
    }

    @Test func aRemovedDeploymentStopsResolving() async throws {
        let ws = try GitWorkspace()
        try ws.commit(Manifests.twoTeams(), message: "first")
        let harness = try ControllerHarness(repo: ws.repo.path, db: ws.path("store.db"))
        try await harness.poll()
        try ws.commit(["alpha/deploy.yaml": nil], message: "retire alpha deployment")
        try await harness.poll()
        try await harness.serve { client in
            let gone = try await client.get("/api/v1/namespaces/alpha/deployments/greet-prod/resolve?key=a")
            #expect(gone.status.code == 404)
            let kept = try await client.get("/api/v1/namespaces/beta/deployments/greet-prod/resolve?key=a")
            #expect(kept.status.code == 200)
            // Its template stays, with its history.
            let template = try await client.get("/api/v1/namespaces/alpha/templates/greet")
            #expect(template.status.code == 200)
        }
    }

    @Test func theRemoteDisappearsAndComesBack() async throws {
        let ws = try GitWorkspace()
        try ws.commit(Manifests.twoTeams(), message: "first")
        let url = "file://" + ws.repo.path
        let harness = try ControllerHarness(repo: url, db: ws.path("store.db"))
        try await harness.poll()
        let moved = ws.path("moved-away")
        try FileManager.default.moveItem(atPath: ws.repo.path, toPath: moved)
        await #expect(throws: SyncFailure.self) { try await harness.poll() }
        let status = try harness.store.status()
        #expect(status.lastError != nil)
        try await harness.serve { client in
            let still = try await client.get("/api/v1/namespaces/alpha/deployments/greet-prod/resolve?key=a")
            #expect(still.object["version"] as? Int == 1)
        }
        try FileManager.default.moveItem(atPath: moved, toPath: ws.repo.path)
        try ws.commit(["alpha/greet.yaml": Manifests.template("greet", namespace: "alpha", text: "back again")], message: "back")
        let report = try await harness.poll()
        #expect(report.failedNamespaces.isEmpty)
        #expect(try harness.store.status().lastError == nil)
        #expect(try harness.store.templates(namespace: "alpha").first?.version == 2)
    }

    @Test func aSecondPassOverTheSameCommitWritesNothing() async throws {
        let ws = try GitWorkspace()
        try ws.commit(Manifests.twoTeams(), message: "first")
        let db = ws.path("store.db")
        let first = try ControllerHarness(repo: ws.repo.path, db: db)
        try await first.poll()
        let before = try Self.counts(db)
        // A fresh process (no caches) and the same process again.
        let second = try ControllerHarness(repo: ws.repo.path, db: db)
        let report = try await second.poll()
        #expect(report.apply.wroteNothing)
        try await first.poll()
        #expect(try Self.counts(db) == before)
    }

    @Test func auditVerifyDetectsARecordAlteredBehindItsBack() async throws {
        let ws = try GitWorkspace()
        try ws.commit(Manifests.twoTeams(), message: "first")
        let db = ws.path("store.db")
        let harness = try ControllerHarness(repo: ws.repo.path, db: db)
        try await harness.poll()
        try ws.commit(["alpha/greet.yaml": Manifests.template("greet", namespace: "alpha", text: "v2")], message: "second")
        try await harness.poll()
        #expect(try harness.store.verifyAudit().isIntact)
        let queue = try DatabaseQueue(path: db)
        // SQLite itself refuses the edit ...
        #expect(throws: (any Error).self) { try queue.write { try $0.execute(sql: "UPDATE audit_record SET actor = 'mallory' WHERE seq = 1") } }
        // ... so an attacker with file access drops the guard first.
        try await queue.write { db in
            let triggers = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_record'")
            for t in triggers { try db.execute(sql: "DROP TRIGGER \(t)") }
            try db.execute(sql: "UPDATE audit_record SET actor = 'mallory' WHERE seq = 1")
        }
        let verification = try harness.store.verifyAudit()
        #expect(!verification.isIntact)
        #expect(verification.brokenAt == 1)
    }

    @Test func aDuplicateDefinitionBlocksUntilRemovedInOneControllerProcess() async throws {
        let ws = try GitWorkspace()
        try ws.commit(Manifests.twoTeams(), message: "first")
        let harness = try ControllerHarness(repo: ws.repo.path, db: ws.path("store.db"))
        try await harness.poll()
        // The same object in a second file: alpha is blocked, beta unaffected.
        try ws.commit(["alpha/copy.yaml": Manifests.template("greet", namespace: "alpha", text: "copy {{who}}")], message: "dup")
        let dup = try await harness.poll()
        #expect(dup.failedNamespaces.map(\.name) == ["alpha"])
        #expect(dup.failedNamespaces.first?.errors.first?.message.contains("defined twice") == true)
        // Removing the original leaves the copy as the one definition: it applies as version 2.
        try ws.commit(["alpha/greet.yaml": nil], message: "keep the copy")
        let fixed = try await harness.poll()
        #expect(fixed.failedNamespaces.isEmpty)
        #expect(try harness.store.templates(namespace: "alpha").first?.version == 2)
        // Further incremental passes keep both namespaces whole.
        try ws.commit(["beta/greet.yaml": Manifests.template("greet", namespace: "beta", text: "beta v2")], message: "beta")
        try await harness.poll()
        #expect(try harness.store.templates(namespace: "alpha").map(\.name) == ["greet"])
        #expect(try harness.store.deployments(namespace: "alpha").count == 1)
        #expect(try harness.store.templates(namespace: "beta").first?.version == 2)
    }

    static func counts(_ path: String) throws -> [String: Int] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in
            var out: [String: Int] = [:]
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'") {
                out[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\"")
            }
            return out
        }
    }
}

/// Retries `body` until `until` holds or 10 s pass (the controller polls in the background).
func eventually(until: @escaping (TestResponse) -> Bool = { $0.status.code == 200 }, _ body: () async throws -> TestResponse) async throws -> TestResponse {
    let deadline = ContinuousClock.now + .seconds(10)
    var last = try await body()
    while !until(last) && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(50))
        last = try await body()
    }
    return last
}
