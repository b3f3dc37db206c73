import Crypto
import Foundation
import Testing

/// Push webhooks against the running controller: a signed push is served without waiting for
/// the (one-hour) poll; wrong signatures, other branches and pings do not fetch.
@Suite("Webhooks", .serialized)
struct WebhookTests {
    static func sign(_ body: String, _ secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
            .map { String(format: "%02x", $0) }.joined()
    }

    @Test func signedPushIsServedWithoutWaitingForThePoll() async throws {
        let remote = try GitAccessTests.Remote()
        let secret = "whsec-\(UUID().uuidString)"
        let store = remote.path("store.db")
        let port = freePort()
        let controller = try ControllerProcess(config: GitAccessTests.config(port: port, store: store, sources: """
              - name: prompts
                url: file://\(remote.bare)
                interval: 1h
                webhook:
                  secret: {fromEnv: HOOK_SECRET}
            """), dir: remote.path(""), port: port, environment: ["HOOK_SECRET": secret])
        defer { controller.stop() }
        let first = await controller.waitForJSON("/api/v1/status") { $0["revision"] as? String == remote.first }
        #expect(first != nil, "\(controller.log.suffix(1500))")
        let syncedAt = ControllerProcess.source(first ?? [:], "prompts")?["lastSyncTime"] as? String
        let second = try remote.pushChange("Pushed {{who}}")
        let url = "http://127.0.0.1:\(port)/api/v1/webhooks/prompts"
        let push = #"{"ref":"refs/heads/main","after":"\#(second)"}"#

        // Wrong signature: 401, nothing fetched.
        var answer = await HTTP.request(url, method: .POST, headers: [("X-GitHub-Event", "push"), ("X-Hub-Signature-256", "sha256=" + Self.sign(push, "nope"))], body: push)
        #expect(answer?.0 == 401)
        answer = await HTTP.request(url, method: .POST, headers: [("X-GitHub-Event", "push")], body: push)
        #expect(answer?.0 == 401, "no signature")
        // Another branch and a ping: 200, not triggered.
        let other = #"{"ref":"refs/heads/feature"}"#
        answer = await HTTP.request(url, method: .POST, headers: [("X-GitHub-Event", "push"), ("X-Hub-Signature-256", "sha256=" + Self.sign(other, secret))], body: other)
        #expect(answer?.0 == 200 && answer?.1.contains(#""triggered":false"#) == true, "\(String(describing: answer))")
        answer = await HTTP.request(url, method: .POST, headers: [("X-GitHub-Event", "ping"), ("X-Hub-Signature-256", "sha256=" + Self.sign("{}", secret))], body: "{}")
        #expect(answer?.0 == 200 && answer?.1.contains("ping") == true)
        // Unknown source: 404. Too large: 413.
        #expect(await HTTP.request("http://127.0.0.1:\(port)/api/v1/webhooks/nope", method: .POST, body: "{}")?.0 == 404)
        #expect(await HTTP.request(url, method: .POST, headers: [("X-GitHub-Event", "push")], body: String(repeating: "x", count: (1 << 20) + 1))?.0 == 413)
        try await Task.sleep(for: .milliseconds(300))
        let status = await controller.waitForJSON("/api/v1/status") { _ in true }
        #expect(ControllerProcess.source(status ?? [:], "prompts")?["lastSyncTime"] as? String == syncedAt, "a rejected webhook fetched")
        #expect(status?["revision"] as? String == remote.first)

        // GitLab's token header and the generic HMAC header also authenticate; a signed GitHub push triggers.
        answer = await HTTP.request(url, method: .POST, headers: [("X-Gitlab-Event", "Push Hook"), ("X-Gitlab-Token", "wrong")], body: push)
        #expect(answer?.0 == 401)
        answer = await HTTP.request(url, method: .POST, headers: [("X-GitHub-Event", "push"), ("X-Hub-Signature-256", "sha256=" + Self.sign(push, secret))], body: push)
        #expect(answer?.0 == 202 && answer?.1 == #"{"triggered":true}"#, "\(String(describing: answer))")
        let served = await controller.waitForJSON("/api/v1/status", seconds: 10) { $0["revision"] as? String == second }
        #expect(served != nil, "the pushed commit was not served: \(controller.log.suffix(1500))")
        #expect(await HTTP.request(url, method: .POST, headers: [("X-Gitlab-Event", "Push Hook"), ("X-Gitlab-Token", secret)], body: push)?.0 == 202)
        #expect(await HTTP.request(url, method: .POST, headers: [("X-Gitea-Event", "push"), ("X-Gitea-Signature", Self.sign(push, secret))], body: push)?.0 == 202)
        #expect(await HTTP.request(url, method: .POST, headers: [("X-PromptOps-Signature-256", "sha256=" + Self.sign(push, secret))], body: push)?.0 == 202)
        let metrics = await controller.get("/metrics")?.1 ?? ""
        #expect(metrics.contains(#"promptops_webhooks_total{source="prompts",result="triggered"} 4"#), "\(metrics)")
        #expect(metrics.contains(#"promptops_webhooks_total{source="prompts",result="unauthorized"} 3"#))
        #expect(!controller.log.contains(secret))
    }
}
