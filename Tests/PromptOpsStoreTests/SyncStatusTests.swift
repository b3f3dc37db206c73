import Foundation
import Testing
@testable import PromptOpsStore

@Suite("Sync status, events and time")
struct SyncStatusTests {
    /// The top-level revision counts for a `--repo` sync only under the settings it was
    /// recorded with: a configured source's pass that moves it clears them (its grant may
    /// have refused objects the store then never served).
    @Test func aConfiguredSourceMovingTheRevisionUnsettlesItForTheCommandLine() throws {
        let t = try TemporaryStore()
        try t.store.recordSyncPass(branch: "main", revision: sha(1), error: nil, settings: "repo settings", now: testNow)
        #expect(try t.store.settledRevision(branch: "main", settings: "repo settings") == sha(1))
        try t.store.recordSyncPass(source: (name: "tenant", url: "/repo"), primary: true, branch: "main", revision: sha(2), error: nil,
                                   settings: "tenant settings", now: testNow)
        #expect(try t.store.status().revision == sha(2))
        #expect(try t.store.settledRevision(branch: "main", settings: "repo settings") == nil)
        #expect(try t.store.settledRevision(source: "tenant", branch: "main", settings: "tenant settings") == sha(2))
    }

    @Test func syncPassesRecordRevisionErrorsAndRecovery() throws {
        let t = try TemporaryStore()
        #expect(try t.store.status().revision == nil)
        try t.store.recordSyncPass(branch: "main", revision: sha(1), error: nil, now: testNow)
        var status = try t.store.status()
        #expect(status.revision == sha(1) && status.branch == "main" && status.lastSyncTime == testNow && status.lastError == nil)

        let failedAt = testNow.addingTimeInterval(30)
        try t.store.recordSyncPass(branch: "main", revision: nil, error: "fetch: connection refused", now: failedAt)
        status = try t.store.status()
        #expect(status.revision == sha(1) && status.lastError == "fetch: connection refused")
        #expect(status.lastSyncTime == failedAt && status.lastSuccessTime == testNow)

        // The same error again: one UPDATE of the pass time, no new event.
        let events = try t.store.events(namespace: nil, sinceID: nil, limit: 10)
        #expect(events.map(\.reason) == ["SourceFailed"] && events[0].type == .warning && events[0].namespace == nil)
        let changes = try t.totalChanges()
        try t.store.recordSyncPass(branch: "main", revision: nil, error: "fetch: connection refused", now: failedAt.addingTimeInterval(30))
        #expect(try t.totalChanges() == changes + 1)
        #expect(try t.store.events(namespace: nil, sinceID: nil, limit: 10).count == 1)

        try t.store.recordSyncPass(branch: "main", revision: sha(2), error: nil, now: failedAt.addingTimeInterval(60))
        status = try t.store.status()
        #expect(status.revision == sha(2) && status.lastError == nil)
        #expect(try t.store.events(sinceID: events[0].id, limit: 10).map(\.reason) == ["SourceRecovered"])
    }

    @Test func eventsPageNewestLast() throws {
        let t = try TemporaryStore()
        try t.sync(["a/t.yaml": template("t", namespace: "a", text: "A."), "b/t.yaml": template("t", namespace: "b", text: "B.")],
                   revision: sha(1))
        let all = try t.store.events(limit: 100)
        #expect(all.map(\.id) == all.map(\.id).sorted() && all.count == 6)
        let latest = try t.store.events(limit: 2)
        #expect(latest.map(\.id) == Array(all.suffix(2).map(\.id)))
        let page = try t.store.events(sinceID: all[1].id, limit: 2)
        #expect(page.map(\.id) == [all[2].id, all[3].id])
        #expect(try t.store.events(namespace: "b").allSatisfy { $0.namespace == "b" })
        #expect(throws: StoreError.self) { try t.store.events(limit: 0) }
    }

    @Test(arguments: [0.0, 1_795_000_000.123, -86_400.5, 253_402_300_799.999, 951_782_400])
    func storedTimesRoundTripToTheMillisecond(seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let text = StoreTime.format(date)
        let back = try #require(StoreTime.parse(text))
        #expect(abs(back.timeIntervalSince1970 - (seconds * 1000).rounded(.down) / 1000) < 0.000_5)
        #expect(StoreTime.format(back) == text)
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        #expect(iso.date(from: text).map { abs($0.timeIntervalSince(back)) < 0.001 } == true)
    }

    @Test func jsonViewsEncodeSpecsInlineAndCanaryAsNull() throws {
        let t = try TemporaryStore()
        try t.sync(["a/t.yaml": template("t", namespace: "a", text: "A."), "a/d.yaml": deployment("d", namespace: "a", template: "t")],
                   revision: sha(1))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let detail = String(decoding: try encoder.encode(try #require(try t.store.template(namespace: "a", name: "t"))), as: UTF8.self)
        #expect(detail.contains(#""spec":{"description":"A test prompt.","text":"A."}"#))
        let deployment = String(decoding: try encoder.encode(try #require(try t.store.deployment(namespace: "a", name: "d"))), as: UTF8.self)
        #expect(deployment.contains(#""canary":null"#))
        let decoded = try JSONDecoder().decode(TemplateDetail.self, from: Data(detail.utf8))
        #expect(decoded.spec.value == (try t.store.template(namespace: "a", name: "t"))?.spec.value)
    }
}
