import Foundation
import GRDB
import PromptOpsCore
@testable import PromptOpsStore
import Testing

@Suite("Retention: events, measurements and history are pruned; audit and versions never")
struct RetentionTests {
    static let old = "2020-01-01T00:00:00.000Z"

    /// A store with one Direct Deployment at version 2 of its template, plus `count` old rows
    /// of events, measurements (of version 1) and history, and as many recent events.
    static func seeded(count: Int) throws -> TemporaryStore {
        let t = try TemporaryStore()
        try t.sync(["a.yaml": template("t", namespace: "team", text: "one") + "---\n" + deployment("d", namespace: "team", template: "t")],
                   revision: sha(1))
        try t.sync(["a.yaml": template("t", namespace: "team", text: "two") + "---\n" + deployment("d", namespace: "team", template: "t")],
                   revision: sha(2))
        let oldTime = old
        try t.store.pool.write { db in
            for i in 0..<count {
                try db.execute(sql: "INSERT INTO event (time, namespace, type, reason, message) VALUES (?, 'team', 'Normal', 'Old', ?)",
                               arguments: [oldTime, "old \(i)"])
                try db.execute(sql: """
                    INSERT INTO measurement (namespace, deployment, canary_version, round, metric, value, verdict, time)
                    VALUES ('team', 'd', 1, ?, 'm', 1.0, 'Successful', ?)
                    """, arguments: [i, oldTime])
                try db.execute(sql: """
                    INSERT INTO deployment_history (namespace, deployment, template, action, strategy, to_version, to_hash, revision, time)
                    SELECT 'team', 'd', 't', 'Promoted', 'Canary', 1, hash, ?, ? FROM template_version WHERE template = 't' AND version = 1
                    """, arguments: [sha(1), oldTime])
            }
            for i in 0..<count {
                try db.execute(sql: "INSERT INTO event (time, namespace, type, reason, message) VALUES (?, 'team', 'Normal', 'New', ?)",
                               arguments: [StoreTime.format(testNow), "new \(i)"])
            }
        }
        return t
    }

    static var thirtyDays: RetentionPolicy {
        var p = RetentionPolicy()
        p.events.maxAge = .seconds(30 * 86_400)
        p.measurements.maxAge = .seconds(30 * 86_400)
        p.history.maxAge = .seconds(30 * 86_400)
        return p
    }

    @Test("rows older than maxAge go, in batches; rollout totals and the audit chain stay whole")
    func byAge() throws {
        let t = try Self.seeded(count: 2_500)  // more than one batch of each
        let before = try #require(try t.store.rolloutSummaries().first)
        let versions: Int? = try t.value("SELECT count(*) FROM template_version")
        let report = try t.store.prune(Self.thirtyDays, now: testNow)
        #expect(report.events == 2_500 && report.measurements == 2_500 && report.history >= 2_500)
        #expect(try t.value("SELECT count(*) FROM event WHERE reason = 'Old'") == 0)
        #expect(try t.value("SELECT count(*) FROM event WHERE reason = 'New'") == 2_500)
        #expect(try t.value("SELECT count(*) FROM measurement") == 0)
        let after = try #require(try t.store.rolloutSummaries().first)
        #expect(after.promotions == before.promotions && before.promotions >= 2_500, "pruned history still counts")
        #expect(try t.value("SELECT count(*) FROM template_version") == versions, "versions are never pruned")
        let audit = try t.store.audit(sinceSeq: nil, limit: 10)
        #expect(audit.last?.action == "prune")
        #expect(audit.last?.details.text.contains("\"events\":2500") == true)
        #expect(try t.store.verifyAudit().isIntact)
        // Nothing left to prune: nothing removed, nothing audited.
        #expect(try t.store.prune(Self.thirtyDays, now: testNow).isEmpty)
        #expect(try t.store.audit(sinceSeq: nil, limit: 10).last?.seq == audit.last?.seq)
    }

    @Test("maxCount keeps the newest rows")
    func byCount() throws {
        let t = try Self.seeded(count: 50)
        var policy = RetentionPolicy()
        policy.events.maxAge = .seconds(100 * 365 * 86_400)
        policy.measurements.maxAge = .seconds(100 * 365 * 86_400)
        policy.events.maxCount = 10
        policy.measurements.maxCount = 5
        try t.store.prune(policy, now: testNow)
        let messages = try t.store.pool.read { db in try String.fetchAll(db, sql: "SELECT message FROM event ORDER BY id") }
        // The two apply events have notifications no receiver has routed yet: they stay.
        #expect(messages.filter { !$0.hasPrefix("applied ") } == (40..<50).map { "new \($0)" })
        #expect(messages.filter { $0.hasPrefix("applied ") }.count == 2)
        #expect(try t.value("SELECT count(*) FROM measurement") == 5)
        #expect(try t.value("SELECT min(round) FROM measurement") == 45)
    }

    @Test("kept whatever their age: measurements of a rollout in progress, events with a notification to deliver")
    func stillNeededRowsStay() throws {
        let t = try Self.seeded(count: 20)
        try t.raw("UPDATE deployment SET phase = 'Progressing', canary_version = 1, canary_weight = 10, canary_step = 0 WHERE name = 'd'")
        try t.raw("""
            INSERT INTO outbox (event_id, type, namespace, subject, message, data_json, time, routed)
            SELECT id, 'Applied', 'team', 'x', 'm', '{}', time, 0 FROM event WHERE message = 'old 3'
            """)
        try t.raw("""
            INSERT INTO outbox (event_id, type, namespace, subject, message, data_json, time, routed)
            SELECT id, 'Applied', 'team', 'x', 'm', '{}', time, 1 FROM event WHERE message = 'old 4'
            """)
        try t.raw("""
            INSERT INTO outbox_delivery (outbox_id, receiver, state, next_attempt_at, updated_at)
            SELECT id, 'hook', 'pending', time, time FROM outbox WHERE routed = 1
            """)
        try t.raw("""
            INSERT INTO outbox (event_id, type, namespace, subject, message, data_json, time, routed)
            SELECT id, 'Applied', 'team', 'x', 'm', '{}', time, 1 FROM event WHERE message = 'old 5'
            """)
        try t.raw("""
            INSERT INTO outbox_delivery (outbox_id, receiver, state, next_attempt_at, updated_at)
            SELECT o.id, 'hook', 'delivered', o.time, o.time FROM outbox o JOIN event e ON e.id = o.event_id WHERE e.message = 'old 5'
            """)
        try t.store.prune(Self.thirtyDays, now: testNow)
        #expect(try t.value("SELECT count(*) FROM measurement") == 20, "the rollout in progress keeps its measurements")
        let oldEvents = try t.store.pool.read { db in try String.fetchAll(db, sql: "SELECT message FROM event WHERE reason = 'Old' ORDER BY id") }
        #expect(oldEvents == ["old 3", "old 4"], "unrouted and pending notifications keep their events; a delivered one goes")
        #expect(try t.value("SELECT count(*) FROM outbox o JOIN event e ON e.id = o.event_id WHERE e.reason = 'Old'") == 2)
        #expect(try t.value("SELECT count(*) FROM outbox_delivery") == 1, "the delivered notification went with its event")
        // Once the rollout ends, its measurements may go.
        try t.raw("UPDATE deployment SET phase = 'Healthy', canary_version = NULL, canary_weight = NULL, canary_step = NULL WHERE name = 'd'")
        #expect(try t.store.prune(Self.thirtyDays, now: testNow).measurements == 20)
    }

    @Test("retention is read from the controller config, located errors for bad values")
    func configured() throws {
        let ok = try ControllerConfigLoader().load(Array("""
            apiVersion: promptops.dev/v1alpha1
            kind: ControllerConfig
            store: {path: /tmp/x.db}
            sources: [{name: a, url: /tmp/repo}]
            retention: {events: {maxAge: 720h, maxCount: 5000}, history: {maxCount: 10}, interval: 10m}
            """.utf8), path: "c.yaml").get()
        let bad = ControllerConfigLoader().load(Array("""
            apiVersion: promptops.dev/v1alpha1
            kind: ControllerConfig
            store: {path: /tmp/x.db}
            sources: [{name: a, url: /tmp/repo}]
            retention: {events: {maxAge: 10s}}
            """.utf8), path: "c.yaml")
        guard case .failure(let problems) = bad else { Issue.record("accepted a 10s maxAge"); return }
        #expect(problems.diagnostics.map(\.description).contains { $0.hasPrefix("c.yaml:5:") && $0.contains("retention.events.maxAge: at least 1m") },
                "\(problems)")
        let zero = ControllerConfigLoader().load(Array("""
            apiVersion: promptops.dev/v1alpha1
            kind: ControllerConfig
            store: {path: /tmp/x.db}
            sources: [{name: a, url: /tmp/repo}]
            retention: {measurements: {maxCount: 0}}
            """.utf8), path: "c.yaml")
        guard case .failure(let zeroProblems) = zero else { Issue.record("accepted a maxCount of 0"); return }
        #expect(zeroProblems.diagnostics.map(\.description).contains { $0.hasPrefix("c.yaml:5:") && $0.contains("maxCount") }, "\(zeroProblems)")
        #expect(ok.retention.events == .init(maxAge: .seconds(720 * 3_600), maxCount: 5_000))
        #expect(ok.retention.history.maxCount == 10)
        #expect(ok.retention.measurements == RetentionPolicy().measurements)
        #expect(ok.retention.interval == .seconds(600))
    }
}
