import Foundation
import PromptOpsCore
import Testing
@testable import PromptOpsStore

@Suite("Applying plans")
struct ApplyTests {
    static let base: [String: String] = [
        "support/reply.yaml": template("reply", namespace: "support", text: "Hello, we are on it."),
        "support/deploy.yaml": deployment("reply-prod", namespace: "support", template: "reply"),
    ]

    @Test func firstApplyCreatesVersionOneAndServesIt() throws {
        let t = try TemporaryStore()
        let report = try t.sync(Self.base, revision: sha(1))
        #expect(report.namespaces.map(\.outcome) == [.applied])
        #expect(report.namespaces[0].versionsCreated == 1 && report.namespaces[0].switched == 1)

        let templates = try t.store.templates(namespace: "support")
        #expect(templates.map(\.name) == ["reply"] && templates[0].version == 1 && templates[0].hash.count == 64)
        let detail = try #require(try t.store.template(namespace: "support", name: "reply"))
        #expect(detail.spec.value?["text"] == .string("Hello, we are on it."))
        #expect(detail.labels == ["team": "t"] && detail.path == "support/reply.yaml")
        #expect(detail.versions.map(\.version) == [1] && detail.versions[0].revision == sha(1) && detail.versions[0].author == "Ana Author")

        let deployment = try #require(try t.store.deployment(namespace: "support", name: "reply-prod"))
        #expect(deployment.stable == VersionRef(version: 1, hash: templates[0].hash))
        #expect(deployment.phase == "Healthy" && deployment.strategy == "Direct" && deployment.environment == "staging" && deployment.canary == nil)

        let version = try #require(try t.store.templateVersion(namespace: "support", name: "reply", version: 1))
        #expect(CompiledNamespace(effectiveJSON: version.effective.text, namespace: "support", template: "reply") != nil)

        let status = try t.store.status()
        #expect(status.namespaces.map(\.name) == ["support"])
        #expect(status.namespaces[0].lastAppliedRevision == sha(1) && status.namespaces[0].lastAttemptedRevision == sha(1))
        #expect(status.namespaces[0].lastAppliedAt == testNow && status.namespaces[0].isUpToDate)

        // What the store serves is what the planner expects: planning again changes nothing.
        #expect(try t.plan(Self.base, revision: sha(1)).isEmpty)
    }

    @Test func changedTemplateGetsVersionTwoAndTheDeploymentSwitches() throws {
        let t = try TemporaryStore()
        try t.sync(Self.base, revision: sha(1))
        var files = Self.base
        files["support/reply.yaml"] = template("reply", namespace: "support", text: "Hello again, we are on it.")
        let later = testNow.addingTimeInterval(60)
        let report = try t.sync(files, revision: sha(2), now: later)
        #expect(report.namespaces[0].outcome == .applied && report.namespaces[0].versionsCreated == 1)

        let detail = try #require(try t.store.template(namespace: "support", name: "reply"))
        #expect(detail.version == 2 && detail.versions.map(\.version) == [1, 2] && detail.versions[1].revision == sha(2))
        let deployment = try #require(try t.store.deployment(namespace: "support", name: "reply-prod"))
        #expect(deployment.stable.version == 2 && deployment.revision == sha(2) && deployment.updatedAt == later)

        let events = try t.store.events(namespace: "support", sinceID: nil, limit: 100).filter { $0.revision == sha(2) }
        #expect(events.map(\.reason) == ["VersionCreated", "ObjectChanged", "Switched", "Applied"])
        let audit = try t.store.audit(sinceSeq: nil, limit: 100)
        #expect(audit.count == 2)  // one per namespace apply
        let last = try #require(audit.last)
        #expect(last.action == "apply" && last.actor == "controller" && last.namespace == "support" && last.revision == sha(2))
        #expect(last.prevHash == audit[0].hash)
        let details = try #require(last.details.value)
        #expect(details["changed"] == .array([.object(["kind": .string("PromptTemplate"), "name": .string("reply")])]))
        #expect(details["switches"] == .array([.object([
            "deployment": .string("reply-prod"), "template": .string("reply"), "strategy": .string("Direct"),
            "from": .object(["version": .int(1), "hash": .string(try #require(detail.versions.first?.hash))]),
            "to": .object(["version": .int(2), "hash": .string(detail.hash)]),
        ])]))
        #expect(details["author"]?["email"] == .string("ana@example.com"))

        let history = try #require(try t.store.history(namespace: "support", name: "reply-prod"))
        #expect(history.rollouts.map(\.to.version) == [1, 2] && history.rollouts[1].from?.version == 1)
    }

    @Test func applyingTheSameCommitTwiceWritesNothing() throws {
        let t = try TemporaryStore()
        var files = Self.base
        files["marketing/tagline.yaml"] = template("tagline", namespace: "marketing", text: "Go outside.")
        try t.sync(files, revision: sha(1))
        let counts = try t.rowCounts()
        let changes = try t.totalChanges()
        let watcher = try DataVersionWatcher(path: t.store.path)
        let status = try t.store.status()

        let report = try t.sync(files, revision: sha(1), now: testNow.addingTimeInterval(30))
        #expect(report.namespaces.map(\.outcome) == [.unchanged, .unchanged] && report.wroteNothing)
        #expect(try t.rowCounts() == counts)
        #expect(try t.totalChanges() == changes)
        #expect(try watcher.changed() == false)
        #expect(try t.store.status() == status)
    }

    @Test func aCommitThatDoesNotTouchANamespaceOnlyMovesItsRevision() throws {
        let t = try TemporaryStore()
        var files = Self.base
        files["marketing/tagline.yaml"] = template("tagline", namespace: "marketing", text: "Go outside.")
        try t.sync(files, revision: sha(1))
        let counts = try t.rowCounts()
        files["marketing/tagline.yaml"] = template("tagline", namespace: "marketing", text: "Go outside today.")
        let report = try t.sync(files, revision: sha(2))
        #expect(report.namespaces.map(\.outcome) == [.applied, .revisionRecorded])
        let support = try #require(try t.store.status().namespaces.first { $0.name == "support" })
        #expect(support.lastAppliedRevision == sha(2))
        // Only marketing's change adds rows: one version, three events, one audit record, and
        // the Applied event's notification in the outbox.
        var expected = counts
        expected["template_version"]! += 1
        expected["event"]! += 3
        expected["audit_record"]! += 1
        expected["outbox"]! += 1
        #expect(try t.rowCounts() == expected)
    }

    @Test func removedDeploymentStopsResolvingAndRemovedTemplateKeepsItsVersions() throws {
        let t = try TemporaryStore()
        var files = Self.base
        files["support/extra.yaml"] = template("extra", namespace: "support", text: "Extra.")
        try t.sync(files, revision: sha(1))
        files["support/deploy.yaml"] = nil
        files["support/extra.yaml"] = nil
        let report = try t.sync(files, revision: sha(2))
        #expect(report.namespaces[0].outcome == .applied)
        #expect(try t.store.deployments(namespace: "support").isEmpty)
        #expect(try t.store.deployment(namespace: "support", name: "reply-prod") == nil)
        #expect(try t.store.templates(namespace: "support").map(\.name) == ["reply"])
        #expect(try t.store.template(namespace: "support", name: "extra") == nil)
        let history = try #require(try t.store.history(namespace: "support", name: "extra"))
        #expect(history.versions.map(\.version) == [1])
        #expect(try t.store.templateVersion(namespace: "support", name: "extra", version: 1) != nil)
        #expect(try t.store.history(namespace: "support", name: "reply-prod")?.rollouts.count == 1)
        let removed = try t.store.events(namespace: "support").filter { $0.reason == "ObjectRemoved" }.compactMap(\.name)
        #expect(removed.sorted() == ["extra", "reply-prod"])
        #expect(try t.plan(files, revision: sha(2)).isEmpty)
    }

    @Test func revertingToOlderContentReusesItsVersion() throws {
        let t = try TemporaryStore()
        try t.sync(Self.base, revision: sha(1))
        var files = Self.base
        files["support/reply.yaml"] = template("reply", namespace: "support", text: "Changed.")
        try t.sync(files, revision: sha(2))
        let report = try t.sync(Self.base, revision: sha(3))
        #expect(report.namespaces[0].outcome == .applied && report.namespaces[0].versionsCreated == 0)
        let detail = try #require(try t.store.template(namespace: "support", name: "reply"))
        #expect(detail.version == 1 && detail.versions.map(\.version) == [1, 2] && detail.revision == sha(3))
        #expect(try t.store.deployment(namespace: "support", name: "reply-prod")?.stable.version == 1)
    }

    @Test func aModuleChangeCreatesVersionsOfEveryDependent() throws {
        let t = try TemporaryStore()
        var files = [
            "s/voice.yaml": template("voice", namespace: "s", text: "Be kind."),
            "s/a.yaml": template("a", namespace: "s", text: "{{> voice}} Answer A."),
            "s/b.yaml": template("b", namespace: "s", text: "{{> voice}} Answer B."),
            "s/c.yaml": template("c", namespace: "s", text: "Standalone."),
            "s/d.yaml": deployment("a-prod", namespace: "s", template: "a"),
        ]
        try t.sync(files, revision: sha(1))
        files["s/voice.yaml"] = template("voice", namespace: "s", text: "Be kind and brief.")
        let report = try t.sync(files, revision: sha(2))
        #expect(report.namespaces[0].versionsCreated == 3 && report.namespaces[0].switched == 1)
        let versions = Dictionary(uniqueKeysWithValues: try t.store.templates(namespace: "s").map { ($0.name, $0.version) })
        #expect(versions == ["voice": 2, "a": 2, "b": 2, "c": 1])
        let effective = try #require(try t.store.templateVersion(namespace: "s", name: "a", version: 2)).effective.value
        #expect(effective?["modules"]?["voice"]?["text"] == .string("Be kind and brief."))
    }
}
