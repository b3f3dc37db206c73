import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Several sources feeding one store, and notifications that survive a SIGKILL, with the
/// controller binary as users run it.
@Suite("Several sources and durable notifications", .serialized)
struct SeveralSourcesTests {
    @Test func twoSourcesDefiningOneNamespaceBlockItNamingBoth() async throws {
        let a = try GitAccessTests.Remote()
        // Source b defines beta (also in a) and gamma (only in b).
        let b = try GitWorkspace()
        try b.commit([
            "beta/other.yaml": Manifests.template("other", namespace: "beta", text: "B's {{who}}"),
            "gamma/greet.yaml": Manifests.template("greet", namespace: "gamma", text: "Gamma {{who}}"),
        ])
        let store = a.path("store.db")
        let port = freePort()
        let controller = try ControllerProcess(config: GitAccessTests.config(port: port, store: store, sources: """
              - name: team-a
                url: \(a.workspace.repo.path)
                interval: 500ms
              - name: team-b
                url: \(b.repo.path)
                interval: 500ms
            """), dir: a.path(""), port: port)
        defer { controller.stop() }
        let status = await controller.waitForJSON("/api/v1/status") { status in
            let namespaces = status["namespaces"] as? [[String: Any]] ?? []
            let beta = namespaces.first { $0["name"] as? String == "beta" }
            let errors = beta?["errors"] as? [[String: Any]] ?? []
            return errors.contains { ($0["message"] as? String)?.contains("'team-a' and 'team-b'") == true }
                && namespaces.contains { $0["name"] as? String == "gamma" && $0["lastAppliedRevision"] != nil }
                && namespaces.contains { $0["name"] as? String == "alpha" && $0["lastAppliedRevision"] != nil }
        }
        #expect(status != nil, "beta should be blocked naming both sources, alpha and gamma applied: \(controller.log.suffix(2000))")
        // While blocked, beta keeps what it last applied (whichever source's pass came first)
        // and takes no change from either source.
        let betaBefore = await controller.get("/api/v1/namespaces/beta/templates")?.1
        try b.commit(["beta/third.yaml": Manifests.template("third", namespace: "beta", text: "third {{who}}")])
        try await Task.sleep(for: .seconds(1.5))
        #expect(await controller.get("/api/v1/namespaces/beta/templates")?.1 == betaBefore)
        // b stops defining beta: it applies from a alone, and b's gamma is untouched.
        try b.commit(["beta/other.yaml": nil, "beta/third.yaml": nil])
        let settled = await controller.waitForJSON("/api/v1/status") { status in
            let namespaces = status["namespaces"] as? [[String: Any]] ?? []
            return namespaces.first { $0["name"] as? String == "beta" }.map { ($0["errors"] as? [Any])?.isEmpty == true } == true
        }
        #expect(settled != nil, "\(controller.log.suffix(1500))")
        #expect(await controller.get("/api/v1/namespaces/beta/templates/greet")?.0 == 200)
        #expect(await controller.get("/api/v1/namespaces/gamma/templates/greet")?.0 == 200)
        #expect(await controller.get("/api/v1/namespaces/alpha/templates/greet")?.0 == 200)
    }

    /// A recording receiver as its own process, so it can be started after the controller.
    static let recorder = """
    import http.server, json, sys
    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
            with open(sys.argv[2], 'a') as f:
                f.write(json.dumps({'key': self.headers.get('Idempotency-Key'), 'body': body.decode()}) + '\\n')
            self.send_response(200); self.send_header('Content-Length', '0'); self.end_headers()
        def log_message(self, *a): pass
    http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
    """

    @Test func aNotificationWrittenBeforeASIGKILLIsDeliveredAfterRestartOnce() async throws {
        let remote = try GitAccessTests.Remote()
        let store = remote.path("store.db")
        let receiverPort = freePort()
        let record = remote.path("received.jsonl")
        let script = remote.path("recorder.py")
        try Self.recorder.write(toFile: script, atomically: true, encoding: .utf8)
        let secret = "hooks.slack.invalid/T000/\(UUID().uuidString)"
        let config = { (port: Int) in GitAccessTests.config(port: port, store: store, sources: """
              - name: prompts
                url: \(remote.workspace.repo.path)
                interval: 1h
            receivers:
              - name: hook
                type: webhook
                url: http://127.0.0.1:\(receiverPort)/events
              - name: chat
                type: slack
                url: {fromEnv: SLACK_URL}
            notifications:
              - receiver: hook
                events: [Applied, Blocked]
              - receiver: chat
                namespaces: ["alpha"]
            """) }
        // The receiver is down: the Applied notifications stay in the outbox.
        var port = freePort()
        var controller = try ControllerProcess(config: config(port), dir: remote.path(""), port: port, environment: ["SLACK_URL": "http://" + secret])
        #expect(await controller.waitForJSON("/api/v1/status") { $0["revision"] as? String == remote.first } != nil)
        try await Task.sleep(for: .milliseconds(500))
        controller.stop(signal: SIGKILL)
        #expect(!FileManager.default.fileExists(atPath: record))
        // Receiver up, controller back: every notification arrives, once per event id.
        let receiver = try Daemon("/usr/bin/python3", [script, "\(receiverPort)", record])
        defer { withExtendedLifetime(receiver) {} }
        #expect(await waitForPort(receiverPort))
        port = freePort()
        controller = try ControllerProcess(config: config(port), dir: remote.path(""), port: port, environment: ["SLACK_URL": "http://" + secret])
        defer { controller.stop() }
        var lines: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
            lines = text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            if lines.count >= 2 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let events = lines.compactMap { (try? JSONSerialization.jsonObject(with: Data(($0["body"] as? String ?? "").utf8))) as? [String: Any] }
        #expect(Set(events.compactMap { $0["subject"] as? String }) == ["alpha", "beta"], "\(lines)")
        #expect(events.allSatisfy { $0["type"] as? String == "dev.promptops.Applied" && $0["specversion"] as? String == "1.0" })
        #expect(Set(lines.compactMap { $0["key"] as? String }) == Set(events.compactMap { $0["id"] as? String }))
        // No repeats after it settles.
        try await Task.sleep(for: .seconds(2))
        let again = ((try? String(contentsOfFile: record, encoding: .utf8)) ?? "").split(separator: "\n").count
        #expect(again == 2, "delivered more than once")
        // The Slack URL (a secret) appears in no output even though its deliveries fail.
        let outputs = await GitAccessTests.outputs(controller, store: store)
        #expect(!outputs.contains(secret))
    }
}

/// Rollouts run in their own task: a webhook-triggered apply does not wait for an analysis
/// whose provider takes seconds to answer.
@Suite("Rollouts beside passes", .serialized)
struct RolloutsBesidePassesTests {
    static let slowScorer = """
    import http.server, json, sys, time
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            with open(sys.argv[2], 'a') as f: f.write('asked\\n')
            time.sleep(8)
            body = json.dumps({'score': 1.0}).encode()
            self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
        def log_message(self, *a): pass
    http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
    """

    @Test func aWebhookAppliesWhileASlowAnalysisRuns() async throws {
        let remote = try GitAccessTests.Remote()
        let scorerPort = freePort()
        let asked = remote.path("asked.log")
        try Self.slowScorer.write(toFile: remote.path("scorer.py"), atomically: true, encoding: .utf8)
        let scorer = try Daemon("/usr/bin/python3", [remote.path("scorer.py"), "\(scorerPort)", asked])
        defer { withExtendedLifetime(scorer) {} }
        #expect(await waitForPort(scorerPort))
        var shop = CanaryManifests.deployment(port: scorerPort, interval: "1s")
        shop = shop.replacingOccurrences(of: "timeout: 10s", with: "timeout: 9s")
        try remote.workspace.commit(["shop/greet.yaml": CanaryManifests.template("v1 {{who}}"), "shop/deploy.yaml": shop])
        try remote.workspace.git("push", "-q", remote.bare, "main")
        let secret = "s-\(UUID().uuidString)"
        let port = freePort()
        let controller = try ControllerProcess(config: GitAccessTests.config(port: port, store: remote.path("store.db"), sources: """
              - name: prompts
                url: file://\(remote.bare)
                interval: 1h
                webhook: {secret: {fromEnv: HOOK}}
            egress:
              - {namespaces: ["*"], urls: ["http://127.0.0.1:\(scorerPort)/"]}
            """), dir: remote.path(""), port: port, environment: ["HOOK": secret])
        defer { controller.stop() }
        #expect(await controller.waitForJSON("/api/v1/status") { ($0["namespaces"] as? [[String: Any]])?.count == 3 } != nil)
        func push() async -> Int? {
            let body = #"{"ref":"refs/heads/main"}"#
            return await HTTP.request("http://127.0.0.1:\(port)/api/v1/webhooks/prompts", method: .POST,
                                      headers: [("X-GitHub-Event", "push"), ("X-Hub-Signature-256", "sha256=" + WebhookTests.sign(body, secret))], body: body)?.0
        }
        // v2 starts a canary whose analysis asks the slow scorer.
        _ = try remote.pushChange("unrelated {{who}}")
        try remote.workspace.commit(["shop/greet.yaml": CanaryManifests.template("v2 {{who}}")])
        try remote.workspace.git("push", "-q", remote.bare, "main")
        #expect(await push() == 202)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && ((try? String(contentsOfFile: asked, encoding: .utf8)) ?? "").isEmpty {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(FileManager.default.fileExists(atPath: asked), "the analysis never asked the scorer: \(controller.log.suffix(1500))")
        // While that answer takes 8 s, a push to another namespace is served at once.
        let pushedAt = Date()
        let sha = try remote.pushChange("while analysing {{who}}")
        #expect(await push() == 202)
        let served = await controller.waitForJSON("/api/v1/status", seconds: 6) { $0["revision"] as? String == sha }
        #expect(served != nil, "\(controller.log.suffix(1500))")
        #expect(Date().timeIntervalSince(pushedAt) < 4, "the apply waited \(Date().timeIntervalSince(pushedAt)) s")
    }
}

/// `promptops sync --config` and `status --config`: the one-shot pass over every source.
@Suite("sync and status with a config file")
struct SyncWithConfigTests {
    @Test func syncPassesEverySourceAndSeesConflicts() throws {
        let a = try GitAccessTests.Remote()
        let b = try GitWorkspace()
        try b.commit(["beta/other.yaml": Manifests.template("other", namespace: "beta", text: "B {{who}}"),
                      "gamma/greet.yaml": Manifests.template("greet", namespace: "gamma", text: "Gamma {{who}}")])
        let store = a.path("store.db")
        let file = a.path("controller.yaml")
        try GitAccessTests.config(port: 8080, store: store, sources: """
              - name: team-a
                url: file://\(a.bare)
              - name: team-b
                url: \(b.repo.path)
            """).write(toFile: file, atomically: true, encoding: .utf8)
        let sync = try CommandLineTests.run(["sync", "--config", file])
        #expect(sync.code == 1, "beta is blocked: \(sync.out)\(sync.err)")
        #expect(sync.out.contains("team-a: ") && sync.out.contains("team-b: "), "\(sync.out)")
        let status = try CommandLineTests.run(["status", "--config", file, "--format", "json"])
        #expect(status.code == 0, "\(status.err)")
        #expect(status.out.contains("defined by sources 'team-a' and 'team-b'"), "\(status.out)")
        for ns in ["alpha", "gamma"] { #expect(status.out.contains("\"\(ns)\""), "\(status.out)") }
        // b drops beta: the next one-shot sync applies everything.
        try b.commit(["beta/other.yaml": nil])
        let again = try CommandLineTests.run(["sync", "--config", file])
        #expect(again.code == 0, "\(again.out)\(again.err)")
    }
}
