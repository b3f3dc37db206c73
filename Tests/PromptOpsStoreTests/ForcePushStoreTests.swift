import Foundation
import Testing
@testable import PromptOpsStore

@Suite("Force-pushes on record")
struct ForcePushStoreTests {
    @Test func aForcePushIsAnEventAnAuditRecordAndTheSourcesStatus() throws {
        let t = try TemporaryStore()
        #expect(try t.store.appliedRevision(source: "prompts") == nil)
        try t.store.recordSyncPass(source: ("prompts", "file:///srv/prompts.git"), primary: true, branch: "main", revision: sha(1),
                                   error: nil, now: testNow)
        #expect(try t.store.appliedRevision(source: "prompts").map { [$0.revision, $0.branch] } == [sha(1), "main"])
        #expect(try t.store.status().sources[0].lastForcePush == nil)

        let seen = testNow.addingTimeInterval(60)
        try t.store.recordForcePush(source: "prompts", primary: true, branch: "main", from: sha(1), to: sha(2), now: seen)
        let status = try t.store.status()
        #expect(status.sources[0].lastForcePush == ForcePush(from: sha(1), to: sha(2), time: seen))
        #expect(status.lastForcePush == ForcePush(from: sha(1), to: sha(2), time: seen))

        let event = try #require(try t.store.events(limit: 10).last)
        #expect(event.reason == "ForcePushed" && event.type == .warning && event.kind == "Source" && event.name == "prompts")
        #expect(event.message.contains(String(sha(1).prefix(12))) && event.message.contains(String(sha(2).prefix(12))))
        let record = try #require(try t.store.audit().last)
        #expect(record.action == "force-push" && record.object == "Source/prompts" && record.revision == sha(2))
        #expect(record.details.value == .object(["from": .string(sha(1)), "to": .string(sha(2)), "branch": .string("main"),
                                                 "source": .string("prompts"), "fromMissing": .bool(false)]))
        #expect(try t.store.verifyAudit().isIntact)
    }
}
