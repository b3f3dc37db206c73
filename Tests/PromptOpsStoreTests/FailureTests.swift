import Foundation
import PromptOpsCore
import Testing
@testable import PromptOpsStore

@Suite("Store failures")
struct FailureTests {
    @Test func aFailingNamespaceRollsBackAloneAndIsReported() throws {
        let t = try TemporaryStore()
        let files = [
            "a/t.yaml": template("t", namespace: "a", text: "A."),
            "a/d.yaml": deployment("d", namespace: "a", template: "t"),
            "b/t.yaml": template("t", namespace: "b", text: "B."),
        ]
        var plan = try t.plan(files, revision: sha(1))
        plan.namespaces[0].newVersions[0].version = 7  // not the next number: the database refuses it
        let report = try t.store.apply(plan, commit: commit(sha(1)), now: testNow)
        #expect(report.namespaces.map(\.outcome) == [.failed, .applied])
        let failure = try #require(report.failures.first?.error)
        #expect(failure.code == .constraint && failure.namespace == "a" && failure.message.contains("numbered"))
        // Nothing of namespace a was written, not even its status row or an event.
        #expect(try t.store.templates(namespace: "a").isEmpty)
        #expect(try t.store.status().namespaces.map(\.name) == ["b"])
        #expect(try t.store.events(namespace: "a").isEmpty)
        #expect(try t.store.template(namespace: "b", name: "t")?.version == 1)

        // The next pass applies it.
        #expect(try t.sync(files, revision: sha(1)).namespaces.map(\.outcome) == [.applied, .unchanged])
    }

    @Test func aStalePlanIsRefusedNotAppliedTwice() throws {
        let t = try TemporaryStore()
        let files = ["a/t.yaml": template("t", namespace: "a", text: "A.")]
        let plan = try t.plan(files, revision: sha(1))
        _ = try t.store.apply(plan, commit: commit(sha(1)), now: testNow)
        let counts = try t.rowCounts()
        let report = try t.store.apply(plan, commit: commit(sha(1)), now: testNow)
        #expect(report.namespaces.map(\.outcome) == [.failed] && report.failures[0].error?.code == .constraint)
        #expect(try t.rowCounts() == counts)
    }

    @Test func aCommitThatIsNotThePlansRevisionIsRefused() throws {
        let t = try TemporaryStore()
        let plan = try t.plan(["a/t.yaml": template("t", namespace: "a", text: "A.")], revision: sha(1))
        #expect(throws: StoreError.self) { try t.store.apply(plan, commit: commit(sha(2)), now: testNow) }
    }

    @Test func versionsAreImmutableAndKept() throws {
        let t = try TemporaryStore()
        try t.sync(["a/t.yaml": template("t", namespace: "a", text: "A.")], revision: sha(1))
        #expect(throws: (any Error).self) { try t.raw("UPDATE template_version SET spec_json = '{}'") }
        #expect(throws: (any Error).self) { try t.raw("DELETE FROM template_version") }
        #expect(throws: (any Error).self) {
            try t.raw("UPDATE served_object SET hash = '\(String(repeating: "f", count: 64))' WHERE kind = 'PromptTemplate'")
        }
        #expect(try t.store.template(namespace: "a", name: "t")?.version == 1)
    }

    @Test func reopeningAnExistingStoreKeepsItsData() throws {
        let t = try TemporaryStore()
        try t.sync(["a/t.yaml": template("t", namespace: "a", text: "A.")], revision: sha(1))
        let reopened = try ServingStore(path: t.store.path)
        #expect(try reopened.templates(namespace: "a").map(\.version) == [1])
        #expect(try reopened.servedState() == t.store.servedState())
    }

    @Test func aFileThatIsNotADatabaseIsAnOpenError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("promptops-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.sqlite").path
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        do {
            _ = try ServingStore(path: path)
            Issue.record("opened a file that is not a database")
        } catch {
            #expect([.corrupt, .open, .migration].contains(error.code))
        }
    }
}
