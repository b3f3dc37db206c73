import Foundation
import Testing

/// A branch rewritten under a running controller: the new head applies (git is the truth) and
/// the rewrite is on record: an event, the source's status, the audit log.
@Suite("Force-push under a running controller")
struct ForcePushTests {
    @Test func aRewrittenBranchAppliesAndIsRecordedAsAForcePush() async throws {
        let workspace = try GitWorkspace()
        try workspace.commit(Manifests.twoTeams(), message: "base")
        let applied = try workspace.commit(["alpha/greet.yaml": Manifests.template("greet", namespace: "alpha", text: "A {{who}}")], message: "A")
        let port = freePort()
        let store = workspace.path("store.db")
        let controller = try ControllerProcess(config: GitAccessTests.config(port: port, store: store, sources: """
              - name: prompts
                url: \(workspace.repo.path)
                interval: 200ms
            """), dir: workspace.path(""), port: port)
        defer { controller.stop() }
        let first = await controller.waitForJSON("/api/v1/status") { ControllerProcess.source($0, "prompts")?["revision"] as? String == applied }
        #expect(first != nil, "\(controller.log)")
        #expect(first.flatMap { ControllerProcess.source($0, "prompts")?["lastForcePush"] } is NSNull)

        // Rewrite: drop A, commit B in its place, and move main to B in one step (a local path's
        // branch, rewritten as a force-push would).
        try workspace.git("checkout", "-q", "--detach", "HEAD~1")
        let rewritten = try workspace.commit(["beta/greet.yaml": Manifests.template("greet", namespace: "beta", text: "B {{who}}")], message: "B")
        try workspace.git("branch", "-q", "-f", "main", rewritten)
        try workspace.git("checkout", "-q", "main")
        let status = await controller.waitForJSON("/api/v1/status") { ControllerProcess.source($0, "prompts")?["revision"] as? String == rewritten }
        let source = try #require(status.flatMap { ControllerProcess.source($0, "prompts") }, "\(controller.log)")
        let push = try #require(source["lastForcePush"] as? [String: Any])
        #expect(push["from"] as? String == applied)
        #expect(push["to"] as? String == rewritten)
        #expect(push["time"] is String)
        #expect((status?["lastForcePush"] as? [String: Any])?["to"] as? String == rewritten)

        let events = await controller.get("/api/v1/events")?.1 ?? ""
        let forcePushed = try #require(jsonArray(events)?.filter { $0["reason"] as? String == "ForcePushed" })
        #expect(forcePushed.count == 1)
        let message = forcePushed.first?["message"] as? String ?? ""
        #expect(message.contains(String(applied.prefix(12))) && message.contains(String(rewritten.prefix(12))), "\(message)")

        let audit = await controller.get("/api/v1/audit")?.1 ?? ""
        let records = jsonArray(audit)?.filter { $0["action"] as? String == "force-push" } ?? []
        #expect(records.count == 1, "\(audit)")
        let details = records.first?["details"] as? [String: Any]
        #expect(details?["from"] as? String == applied && details?["to"] as? String == rewritten)

        // Later passes of the same head record nothing more; the CLI shows it.
        try await Task.sleep(for: .milliseconds(600))
        let again = await controller.get("/api/v1/events")?.1 ?? ""
        #expect(jsonArray(again)?.filter { $0["reason"] as? String == "ForcePushed" }.count == 1)
        let cli = try CommandLineTests.run(["status", "--db", store])
        #expect(cli.out.contains("source prompts: last force-pushed at") && cli.out.contains(String(applied.prefix(12))), "\(cli.out)\(cli.err)")
        #expect(try CommandLineTests.run(["audit", "verify", "--db", store]).code == 0)
    }

    private func jsonArray(_ text: String) -> [[String: Any]]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]]
    }
}
