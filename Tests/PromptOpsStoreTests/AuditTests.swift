import Foundation
import GRDB
import PromptOpsCore
import Testing
@testable import PromptOpsStore

@Suite("Audit log")
struct AuditTests {
    /// A store with three audit records: two applies and one manual override.
    static func storeWithRecords() throws -> TemporaryStore {
        let t = try TemporaryStore()
        try t.sync(["a/t.yaml": template("t", namespace: "a", text: "One.")], revision: sha(1))
        try t.sync(["a/t.yaml": template("t", namespace: "a", text: "Two.")], revision: sha(2))
        try t.store.appendAudit(actor: "ana", action: "promote", namespace: "a", object: "Deployment/d", revision: sha(2),
                                details: #"{"reason":"looks good"}"#, now: testNow)
        return t
    }

    @Test func theChainLinksEveryRecordFromGenesis() throws {
        let t = try Self.storeWithRecords()
        let records = try t.store.audit(sinceSeq: nil, limit: 10)
        #expect(records.map(\.seq) == [1, 2, 3])
        #expect(records[0].prevHash == String(repeating: "0", count: 64))
        #expect(records[1].prevHash == records[0].hash && records[2].prevHash == records[1].hash)
        #expect(records[2].actor == "ana" && records[2].details.value?["reason"] == .string("looks good"))
        #expect(try t.store.audit(sinceSeq: 1, limit: 1).map(\.seq) == [2])
        let verification = try t.store.verifyAudit()
        #expect(verification.isIntact && verification.recordCount == 3 && verification.headSeq == 3)
        #expect(verification.headHash == records[2].hash)
    }

    @Test func sqliteRefusesUpdateAndDelete() throws {
        let t = try Self.storeWithRecords()
        for sql in ["UPDATE audit_record SET actor = 'mallory' WHERE seq = 2", "DELETE FROM audit_record WHERE seq = 3",
                    "DELETE FROM audit_record"] {
            do {
                try t.raw(sql)
                Issue.record("SQLite accepted: \(sql)")
            } catch let error as DatabaseError {
                #expect(error.resultCode == .SQLITE_CONSTRAINT && (error.message ?? "").contains("append-only"))
            }
        }
        // An insert that does not follow the chain is refused too.
        #expect(throws: DatabaseError.self) {
            try t.raw("""
                INSERT INTO audit_record (seq, time, actor, action, details_json, prev_hash, hash)
                VALUES (9, 'x', 'm', 'forge', '{}', '\(String(repeating: "0", count: 64))', '\(String(repeating: "1", count: 64))')
                """)
        }
        #expect(try t.store.verifyAudit().isIntact)
    }

    @Test func verifyFindsARecordAlteredBehindSQLitesBack() throws {
        let t = try Self.storeWithRecords()
        try t.raw("DROP TRIGGER audit_record_no_update")
        try t.raw("UPDATE audit_record SET details_json = '{\"reason\":\"forged\"}' WHERE seq = 2")
        let verification = try t.store.verifyAudit()
        #expect(!verification.isIntact && verification.brokenAt == 2)
        #expect(verification.problem?.contains("altered") == true)
    }

    @Test func verifyFindsADeletedRecordAsAGap() throws {
        let t = try Self.storeWithRecords()
        try t.raw("DROP TRIGGER audit_record_no_delete")
        try t.raw("DELETE FROM audit_record WHERE seq = 2")
        let verification = try t.store.verifyAudit()
        #expect(!verification.isIntact && verification.brokenAt == 2)
        #expect(verification.problem?.contains("missing") == true)
    }

    @Test func verifyFindsATruncatedTail() throws {
        let t = try Self.storeWithRecords()
        try t.raw("DROP TRIGGER audit_record_no_delete")
        try t.raw("DELETE FROM audit_record WHERE seq = 3")
        let verification = try t.store.verifyAudit()
        #expect(!verification.isIntact && verification.brokenAt == 3)
    }

    @Test func verifyFindsSwappedRecords() throws {
        let t = try Self.storeWithRecords()
        try t.raw("DROP TRIGGER audit_record_no_update")
        // Swap the content of records 1 and 2, keeping their seq numbers.
        try t.raw("""
            UPDATE audit_record SET seq = -1 WHERE seq = 1;
            UPDATE audit_record SET seq = 1 WHERE seq = 2;
            UPDATE audit_record SET seq = 2 WHERE seq = -1;
            """)
        let verification = try t.store.verifyAudit()
        #expect(!verification.isIntact && verification.brokenAt == 1)
    }

    @Test func appendAuditRefusesDetailsThatAreNotJSON() throws {
        let t = try TemporaryStore()
        do {
            try t.store.appendAudit(actor: "ana", action: "promote", details: "{not json", now: testNow)
            Issue.record("accepted invalid JSON")
        } catch {
            #expect(error.code == .invalidArgument)
        }
        #expect(try t.store.verifyAudit() == AuditVerification(isIntact: true, recordCount: 0, headSeq: nil,
                                                                  headHash: String(repeating: "0", count: 64)))
    }
}
