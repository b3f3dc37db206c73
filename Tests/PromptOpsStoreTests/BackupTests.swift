import Foundation
import GRDB
import Testing
@testable import PromptOpsStore

@Suite("Backup")
struct BackupTests {
    @Test func aBackupTakenUnderWriteLoadOpensIntactWithItsAuditChain() async throws {
        let store = try TemporaryStore()
        _ = try store.sync(["a/t.yaml": template("t", namespace: "a", text: "v0")], revision: sha(1))
        // A writer appends audit records and sync passes without pause while backups run.
        let serving = store.store
        let writer = Task.detached {
            var n = 2
            while !Task.isCancelled && n < 2000 {
                _ = try? serving.appendAudit(actor: "ana", action: "promote", details: "{\"n\":\(n)}", now: Date())
                try? serving.recordSyncPass(branch: "main", revision: sha(n), error: n % 7 == 0 ? "git: flaky" : nil, now: Date())
                n += 1
            }
        }
        defer { writer.cancel() }
        for i in 0..<5 {
            let copy = store.directory.appendingPathComponent("backup-\(i).db").path
            let report = try store.store.backup(to: copy)
            #expect(report.integrityOK)
            #expect(report.audit.isIntact && report.audit.recordCount > 0)
            // The copy is a store of its own: it opens, and its newest version is one the source had.
            let reopened = try ServingStore(path: copy)
            #expect(try reopened.template(namespace: "a", name: "t") != nil)
            #expect(throws: StoreError.self) { try store.store.backup(to: copy) }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
