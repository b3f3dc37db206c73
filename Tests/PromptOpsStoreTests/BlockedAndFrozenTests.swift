import Foundation
import PromptOpsCore
import Testing
@testable import PromptOpsStore

@Suite("Blocked and frozen namespaces")
struct BlockedAndFrozenTests {
    static let files: [String: String] = [
        "alpha/t.yaml": template("t", namespace: "alpha", text: "Alpha one."),
        "alpha/d.yaml": deployment("t-prod", namespace: "alpha", template: "t"),
        "beta/t.yaml": template("t", namespace: "beta", text: "Beta one."),
    ]

    static func servedRows(_ t: TemporaryStore, _ namespace: String) throws -> [String] {
        try t.store.pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT kind || '|' || name || '|' || hash || '|' || spec_json || '|' || path || '|' || revision || '|' || updated_at
                FROM served_object WHERE namespace = ? ORDER BY kind, name
                """, arguments: [namespace])
        }
    }

    @Test func aNamespaceWithAnErrorKeepsServingWhileAnotherApplies() throws {
        let t = try TemporaryStore()
        try t.sync(Self.files, revision: sha(1))
        let alphaBefore = try Self.servedRows(t, "alpha")
        let deploymentBefore = try t.store.deployment(namespace: "alpha", name: "t-prod")

        var files = Self.files
        files["alpha/t.yaml"] = template("t", namespace: "alpha", text: "Alpha two {{> missing-module}}")
        files["beta/t.yaml"] = template("t", namespace: "beta", text: "Beta two.")
        let report = try t.sync(files, revision: sha(2), now: testNow.addingTimeInterval(60))
        #expect(report.namespaces.map(\.outcome) == [.blocked, .applied] && report.hasProblems)

        #expect(try Self.servedRows(t, "alpha") == alphaBefore)
        #expect(try t.store.deployment(namespace: "alpha", name: "t-prod") == deploymentBefore)
        #expect(try t.store.template(namespace: "beta", name: "t")?.version == 2)

        let alpha = try #require(try t.store.status().namespaces.first { $0.name == "alpha" })
        #expect(alpha.lastAttemptedRevision == sha(2) && alpha.lastAppliedRevision == sha(1) && !alpha.isUpToDate)
        let error = try #require(alpha.errors.first)
        #expect(error.location.path == "alpha/t.yaml" && error.location.line > 0 && error.location.column > 0)
        #expect(error.description.hasPrefix("alpha/t.yaml:\(error.location.line):\(error.location.column): error:"))
        let failures = try t.store.events(namespace: "alpha").filter { $0.reason == "SyncFailed" }
        #expect(failures.count == 1 && failures[0].type == .warning && failures[0].message.contains(error.description))

        // The same failing commit again writes nothing.
        let counts = try t.rowCounts()
        let watcher = try DataVersionWatcher(path: t.store.path)
        let again = try t.sync(files, revision: sha(2), now: testNow.addingTimeInterval(90))
        #expect(again.wroteNothing && again.namespaces.map(\.outcome) == [.blocked, .unchanged])
        #expect(try t.rowCounts() == counts && (try watcher.changed()) == false)

        // Fixing it applies, clears the errors, and the stale served row moves on.
        files["alpha/t.yaml"] = template("t", namespace: "alpha", text: "Alpha two.")
        let fixed = try t.sync(files, revision: sha(3))
        #expect(fixed.namespaces.map(\.outcome) == [.applied, .revisionRecorded])
        let fixedStatus = try #require(try t.store.status().namespaces.first { $0.name == "alpha" })
        #expect(fixedStatus.errors.isEmpty && fixedStatus.lastAppliedRevision == sha(3))
        #expect(try t.store.deployment(namespace: "alpha", name: "t-prod")?.stable.version == 2)
    }

    @Test func aNamespaceThatNeverAppliedReportsItsErrors() throws {
        let t = try TemporaryStore()
        let report = try t.sync(["x/t.yaml": template("t", namespace: "x", text: "{{> nope}}")], revision: sha(1))
        #expect(report.namespaces.map(\.outcome) == [.blocked])
        let x = try #require(try t.store.status().namespaces.first)
        #expect(x.lastAppliedRevision == nil && x.lastAttemptedRevision == sha(1) && !x.errors.isEmpty)
        #expect(try t.store.templates(namespace: "x").isEmpty)
    }

    @Test func aFreezeWindowHoldsChangesBackAndIsRecordedOnce() throws {
        let t = try TemporaryStore()
        try t.sync(Self.files, revision: sha(1))
        var files = Self.files
        files["alpha/t.yaml"] = template("t", namespace: "alpha", text: "Alpha two.")
        files["alpha/freeze.yaml"] = """
            apiVersion: promptops.dev/v1alpha1
            kind: Policy
            metadata: {name: weekend, namespace: alpha}
            spec:
              enforcement: Deny
              rules:
                freezeWindows:
                  - {days: [Mon, Tue, Wed, Thu, Fri, Sat, Sun], start: "00:00", end: "00:00", timezone: UTC}

            """
        let before = try Self.servedRows(t, "alpha")
        let report = try t.sync(files, revision: sha(2))
        #expect(report.namespaces.map(\.outcome) == [.frozen, .revisionRecorded])
        #expect(try Self.servedRows(t, "alpha") == before)
        let alpha = try #require(try t.store.status().namespaces.first { $0.name == "alpha" })
        #expect(alpha.frozenBy == "weekend" && alpha.frozenUntil != nil && alpha.lastAppliedRevision == sha(1))
        #expect(alpha.lastAttemptedRevision == sha(2))
        #expect(try t.store.events(namespace: "alpha").filter { $0.reason == "Frozen" }.count == 1)

        let counts = try t.rowCounts()
        let again = try t.sync(files, revision: sha(2), now: testNow.addingTimeInterval(60))
        #expect(try again.wroteNothing && t.rowCounts() == counts)
    }
}
