import Foundation
import Hummingbird
import HummingbirdTesting
import PromptOpsServer
import Testing

@Suite("Status, templates, deployments, events and audit")
struct CatalogRouteTests {
    @Test("status shows the revision, branch, sync time and each namespace with its errors")
    func status() async throws {
        let served = try ServedStore(Manifests.repository())
        var broken = Manifests.repository()
        broken["support/tagline.yaml"] = Manifests.tagline.replacingOccurrences(of: "{{campaign}}", with: "{{campaign}} {{undeclared}}")
        try served.apply(broken, revision: ServedStore.revision(2))
        try await TestServer(served).run { client in
            let response = try await client.get("/api/v1/status")
            #expect(response.status == .ok)
            let body = response.object
            #expect(body["revision"] as? String == ServedStore.revision(2))
            #expect(body["branch"] as? String == "main")
            #expect(body["lastSyncTime"] as? String == "2026-09-21T14:13:20.000Z")
            let namespaces = body["namespaces"] as? [[String: Any]] ?? []
            #expect(namespaces.count == 1)
            let support = try #require(namespaces.first)
            #expect(support["name"] as? String == "support")
            #expect(support["lastAttemptedRevision"] as? String == ServedStore.revision(2))
            #expect(support["lastAppliedRevision"] as? String == ServedStore.revision(1))
            let errors = support["errors"] as? [[String: Any]] ?? []
            let error = try #require(errors.first)
            #expect(error["path"] as? String == "support/tagline.yaml")
            #expect((error["line"] as? Int ?? 0) > 0)
            #expect((error["column"] as? Int ?? 0) > 0)
            #expect(error["severity"] as? String == "error")
            #expect((error["message"] as? String ?? "").contains("undeclared"))
            #expect(error["kind"] as? String == "PromptTemplate")
            #expect(error["name"] as? String == "tagline")
            #expect(error["namespace"] as? String == "support")
        }
    }

    @Test("templates: list, current version with spec as JSON and its versions, one version")
    func templates() async throws {
        let served = try ServedStore(Manifests.repository())
        try served.apply(Manifests.repository(greeting: "Hi"), revision: ServedStore.revision(2), author: "Bo Chen")
        try await TestServer(served).run { client in
            let list = try await client.get("/api/v1/namespaces/support/templates")
            #expect(list.status == .ok)
            #expect(list.array.map { $0["name"] as? String } == ["brand-voice", "support-reply", "tagline"])
            let reply = try #require(list.array.first { $0["name"] as? String == "support-reply" })
            #expect(reply["version"] as? Int == 2)
            #expect((reply["hash"] as? String)?.count == 64)

            let detail = try await client.get("/api/v1/namespaces/support/templates/support-reply")
            #expect(detail.status == .ok)
            let body = detail.object
            #expect(body["version"] as? Int == 2)
            let spec = try #require(body["spec"] as? [String: Any], "spec must be a JSON object")
            #expect(spec["description"] as? String == "Reply to a customer ticket.")
            let versions = body["versions"] as? [[String: Any]] ?? []
            #expect(versions.map { $0["version"] as? Int } == [1, 2])
            #expect(versions.map { $0["author"] as? String } == ["Ana Lima", "Bo Chen"])
            #expect(versions.map { $0["revision"] as? String } == [ServedStore.revision(1), ServedStore.revision(2)])
            #expect(versions.allSatisfy { ($0["createdAt"] as? String)?.hasSuffix("Z") == true && ($0["hash"] as? String)?.count == 64 })

            let first = try await client.get("/api/v1/namespaces/support/templates/support-reply/versions/1")
            #expect(first.status == .ok)
            #expect(first.object["version"] as? Int == 1)
            let firstSpec = first.object["spec"] as? [String: Any] ?? [:]
            let messages = firstSpec["messages"] as? [[String: Any]] ?? []
            #expect((messages.last?["content"] as? String)?.hasPrefix("Hello") == true)
            #expect(first.object["effective"] is [String: Any])
        }
    }

    @Test("missing objects are 404 with a code; a malformed version number is 400",
          arguments: [
              ("/api/v1/namespaces/support/templates/nope", 404, "template_not_found"),
              ("/api/v1/namespaces/support/templates/support-reply/versions/9", 404, "version_not_found"),
              ("/api/v1/namespaces/support/templates/support-reply/versions/one", 400, "invalid_parameter"),
              ("/api/v1/namespaces/support/templates/support-reply/versions/0", 400, "invalid_parameter"),
              ("/api/v1/namespaces/elsewhere/templates", 404, "namespace_not_found"),
              ("/api/v1/namespaces/elsewhere/deployments", 404, "namespace_not_found"),
              ("/api/v1/namespaces/support/deployments/nope", 404, "deployment_not_found"),
              ("/api/v1/namespaces/support/deployments/nope/resolve?key=k", 404, "deployment_not_found"),
              ("/api/v1/events?since=-1", 400, "invalid_parameter"),
              ("/api/v1/audit?limit=x", 400, "invalid_parameter"),
          ])
    func missingObjects(path: String, status: Int, code: String) async throws {
        try await TestServer(try ServedStore(Manifests.repository())).run { client in
            let response = try await client.get(path)
            #expect(Int(response.status.code) == status)
            #expect(response.errorCode == code)
            #expect(!response.errorMessage.isEmpty)
        }
    }

    @Test("deployments: list with phase and weights; detail with stable, canary null, analysis, conditions")
    func deployments() async throws {
        try await TestServer(try ServedStore(Manifests.repository())).run { client in
            let list = try await client.get("/api/v1/namespaces/support/deployments")
            #expect(list.status == .ok)
            #expect(list.array.map { $0["name"] as? String } == ["support-reply-prod", "tagline-web"])
            let first = try #require(list.array.first)
            #expect(first["phase"] as? String == "Healthy")
            #expect(first["weights"] as? [String: Int] == ["stable": 100, "canary": 0])

            let detail = try await client.get("/api/v1/namespaces/support/deployments/support-reply-prod")
            #expect(detail.status == .ok)
            let body = detail.object
            #expect(body["phase"] as? String == "Healthy")
            #expect(body["template"] as? String == "support-reply")
            #expect(body["environment"] as? String == "production")
            let stable = body["stable"] as? [String: Any] ?? [:]
            #expect(stable["version"] as? Int == 1)
            #expect((stable["hash"] as? String)?.count == 64)
            #expect(body["canary"] is NSNull)
            #expect((body["analysis"] as? [Any])?.isEmpty == true)
            #expect(body["revision"] as? String == ServedStore.revision(1))
            let conditions = body["conditions"] as? [[String: Any]] ?? []
            #expect(conditions.map { $0["type"] as? String } == ["Available", "Progressing", "Synced"])
            #expect(conditions.map { $0["status"] as? String } == ["True", "False", "True"])
        }
    }

    @Test("events are newest last and page with since; audit records come in chain order")
    func eventsAndAudit() async throws {
        let served = try ServedStore(Manifests.repository())
        try served.apply(Manifests.repository(greeting: "Hi"), revision: ServedStore.revision(2))
        try await TestServer(served).run { client in
            let all = try await client.get("/api/v1/events?namespace=support")
            #expect(all.status == .ok)
            let ids = all.array.compactMap { $0["id"] as? Int }
            #expect(ids.count > 3)
            #expect(ids == ids.sorted())
            #expect(all.array.allSatisfy { $0["namespace"] as? String == "support" && $0["reason"] is String })

            let later = try await client.get("/api/v1/events?since=\(ids[1])")
            #expect(later.array.compactMap { $0["id"] as? Int } == ids.filter { $0 > ids[1] })
            let none = try await client.get("/api/v1/events?namespace=elsewhere")
            #expect(none.status == .ok && none.array.isEmpty)

            let audit = try await client.get("/api/v1/audit")
            #expect(audit.status == .ok)
            let records = audit.array
            #expect(records.compactMap { $0["seq"] as? Int } == [1, 2])
            #expect(records.first?["actor"] as? String == "controller")
            #expect(records.first?["details"] is [String: Any])
            #expect(records.last?["prevHash"] as? String == records.first?["hash"] as? String)
            let after = try await client.get("/api/v1/audit?since=1")
            #expect(after.array.compactMap { $0["seq"] as? Int } == [2])
        }
    }
}
