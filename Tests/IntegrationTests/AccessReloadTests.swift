import Crypto
import Foundation
import PromptOpsTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// API tokens on the controller as users run it: rotated by editing the config and sending
/// SIGHUP while clients keep calling, a bad config on reload kept out, every reload audited.
@Suite("API tokens and SIGHUP reload", .serialized)
struct AccessReloadTests {
    static func sha(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func config(port: Int, store: String, repo: String, app: String, steady: String, extra: String = "") -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: ControllerConfig
        listen: 127.0.0.1:\(port)
        store: {path: \(store)}
        sources:
          - {name: prompts, url: \(repo), interval: 30s}
        access:
          tokens:
            - {name: app, sha256: \(sha(app)), namespaces: ["alpha"], scopes: [render]}
            - {name: steady, sha256: \(sha(steady)), namespaces: ["alpha*"], scopes: [render, read]}
            - {name: auditor, sha256: \(sha("audit-" + steady)), scopes: [audit, metrics]}
        \(extra)
        """
    }

    /// Counts answers of a client loop; requests that fail or answer other than 200 are errors.
    final class LoadCounter: @unchecked Sendable {
        // Guarded by `lock`: written by the load tasks, read by the test at the end.
        private let lock = NSLock()
        private var ok = 0, failed: [String] = []
        var stop = false
        func record(_ answer: (Int, String)?) {
            lock.withLock {
                if answer?.0 == 200 { ok += 1 } else if failed.count < 20 { failed.append("\(answer?.0 ?? 0) \(answer?.1.prefix(120) ?? "no answer")") }
            }
        }
        var shouldStop: Bool { lock.withLock { stop } }
        func finish() -> (Int, [String]) { lock.withLock { stop = true; return (ok, failed) } }
    }

    /// `status --server` reads a controller's API with `$PROMPTOPS_TOKEN` (never a flag), and
    /// says which answer it got when the token is missing or the URL is wrong.
    @Test func statusFromAServerSendsTheTokenOfTheEnvironment() async throws {
        let workspace = try GitWorkspace()
        try workspace.commit(Manifests.twoTeams())
        let port = freePort()
        let steady = "steady-\(UUID().uuidString)"
        let controller = try ControllerProcess(config: Self.config(port: port, store: workspace.path("store.db"), repo: workspace.repo.path,
                                                                   app: "app-\(UUID().uuidString)", steady: steady),
                                               dir: workspace.path(""), port: port)
        defer { controller.stop() }
        let server = "http://127.0.0.1:\(port)"
        func status(_ environment: [String: String], _ extra: [String] = []) throws -> (status: Int32, out: String, err: String) {
            try ChildProcess.run(CommandLineTests.binary.path, ["status", "--server", server, "--format", "json"] + extra, environment: environment)
        }
        var answer = try status(["PROMPTOPS_TOKEN": steady])
        for _ in 0..<100 where !(answer.status == 0 && answer.out.contains(#""greet-prod""#)) {
            try await Task.sleep(for: .milliseconds(100))
            answer = try status(["PROMPTOPS_TOKEN": steady])
        }
        #expect(answer.status == 0 && answer.out.contains(#""greet-prod""#), "\(answer.out)\(answer.err)")
        // The token sees alpha* only: beta's Deployment is not listed.
        #expect(answer.out.contains(#""alpha""#) && !answer.out.contains(#""beta""#), "\(answer.out)")
        #expect(!answer.out.contains(steady) && !answer.err.contains(steady))

        let refused = try status(["PROMPTOPS_TOKEN": ""])
        #expect(refused.status == 3, "\(refused.out)\(refused.err)")
        #expect(refused.err.contains("answered 401"), "\(refused.err)")
        let wrong = try status(["PROMPTOPS_TOKEN": "wrong-\(steady)"])
        #expect(wrong.status == 3 && wrong.err.contains("answered 401") && !wrong.err.contains(steady), "\(wrong.err)")

        // A token with a line ending left in is refused before anything is sent, unquoted.
        let crlf = try status(["PROMPTOPS_TOKEN": steady + "\r"])
        #expect(crlf.status == 2 && crlf.err.contains("control character") && !crlf.err.contains(steady) && !crlf.out.contains(steady),
                "\(crlf.out)\(crlf.err)")

        let bad = try ChildProcess.run(CommandLineTests.binary.path, ["status", "--server", "ftp://127.0.0.1:\(port)"])
        #expect(bad.status == 2 && bad.err.contains("bad --server URL"), "\(bad.err)")
        let nobody = try ChildProcess.run(CommandLineTests.binary.path, ["status", "--server", "http://127.0.0.1:\(freePort())"])
        #expect(nobody.status == 3 && nobody.err.contains("cannot read http://127.0.0.1:"), "\(nobody.err)")
    }

    @Test func aRotatedTokenWorksAfterSIGHUPWhileNoRequestFails() async throws {
        let workspace = try GitWorkspace()
        try workspace.commit(Manifests.twoTeams())
        let store = workspace.path("store.db")
        let port = freePort()
        let old = "old-\(UUID().uuidString)", new = "new-\(UUID().uuidString)", steady = "steady-\(UUID().uuidString)"
        let controller = try ControllerProcess(config: Self.config(port: port, store: store, repo: workspace.repo.path, app: old, steady: steady),
                                               dir: workspace.path(""), port: port)
        defer { controller.stop() }
        let resolve = "http://127.0.0.1:\(port)/api/v1/namespaces/alpha/deployments/greet-prod/resolve?key=k"
        func call(_ token: String?) async -> (Int, String)? {
            await HTTP.request(resolve, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [])
        }
        let ready = await controller.waitForJSON("/api/v1/namespaces/alpha/deployments/greet-prod", seconds: 2) { _ in true }
        #expect(ready == nil, "without a token the API answers 401, never 200")
        var waited = 0
        while await call(steady)?.0 != 200 && waited < 200 { try await Task.sleep(for: .milliseconds(100)); waited += 1 }
        #expect(await call(old)?.0 == 200)
        #expect(await call(nil)?.0 == 401)
        #expect(await call("wrong")?.0 == 401)

        // A wrk-style load: 8 clients calling without pause during both reloads.
        let load = LoadCounter()
        let clients = (0..<8).map { _ in
            Task {
                while !load.shouldStop { load.record(await call(steady)) }
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        let configPath = workspace.path("controller.yaml")
        try Self.config(port: port, store: store, repo: workspace.repo.path, app: new, steady: steady)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        kill(controller.pid, SIGHUP)
        var rotated = false
        for _ in 0..<100 {
            if await call(old)?.0 == 401, await call(new)?.0 == 200 { rotated = true; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(rotated, "\(controller.log.suffix(1500))")
        // A bad file on reload: logged at its line, the running tokens stay.
        try Self.config(port: port, store: store, repo: workspace.repo.path, app: "third", steady: steady, extra: "colour: blue")
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        kill(controller.pid, SIGHUP)
        var logged = false
        for _ in 0..<100 where !logged {
            logged = controller.log.contains("configuration not reloaded") && controller.log.contains("controller.yaml:12:1")
            if !logged { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(logged, "\(controller.log.suffix(1500))")
        #expect(await call(new)?.0 == 200)
        #expect(await call("third")?.0 == 401)
        try await Task.sleep(for: .milliseconds(300))
        let (ok, failed) = load.finish()
        for client in clients { await client.value }
        #expect(failed.isEmpty, "requests failed during the reloads: \(failed.prefix(5))")
        #expect(ok > 10, "the load ran (\(ok) answers)")

        // Both reloads and the token change are audit records; denials are counted by name.
        let auditor = [("Authorization", "Bearer audit-\(steady)")]
        let audit = await HTTP.request("http://127.0.0.1:\(port)/api/v1/audit", headers: auditor)?.1 ?? ""
        #expect(audit.contains(#""action":"reload-config""#) && audit.contains(#""applied":true"#) && audit.contains(#""applied":false"#), "\(audit)")
        #expect(audit.contains(#""action":"change-tokens""#) && audit.contains(#""changed":["app"]"#), "\(audit)")
        let metrics = await HTTP.request("http://127.0.0.1:\(port)/metrics", headers: auditor)?.1 ?? ""
        #expect(metrics.contains(#"promptops_config_reloads_total{result="applied"} 1"#), "\(metrics)")
        #expect(metrics.contains(#"promptops_config_reloads_total{result="rejected"} 1"#))
        #expect(metrics.contains(#"promptops_access_denied_total{token="unknown",scope="render",status="401"}"#))
        // No token ever leaks into the log, the metrics or the audit.
        for secret in [old, new, steady, "audit-\(steady)"] {
            #expect(!controller.log.contains(secret) && !metrics.contains(secret) && !audit.contains(secret))
        }
    }

    @Test func aNonLoopbackListenWithTokensStartsAndWithoutAccessIsRefused() throws {
        let workspace = try GitWorkspace()
        try workspace.commit(Manifests.twoTeams())
        let file = workspace.path("c.yaml")
        try """
        apiVersion: promptops.dev/v1alpha1
        kind: ControllerConfig
        listen: 0.0.0.0:0
        store: {path: \(workspace.path("s.db"))}
        sources: [{name: prompts, url: \(workspace.repo.path)}]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let refused = try runCommand(CommandLineTests.binary.path, ["controller", "--config", file])
        #expect(refused.0 == 1 && refused.1.contains("no access is configured"), "\(refused.1)")
        let flags = try runCommand(CommandLineTests.binary.path, ["controller", "--repo", workspace.repo.path, "--db", workspace.path("f.db"), "--listen", "0.0.0.0:0"])
        #expect(flags.0 == 1 && flags.1.contains("no access is configured"), "\(flags.1)")
    }
}

/// Sources change on SIGHUP too: added, re-granted and removed while the others run.
@Suite("Sources on SIGHUP", .serialized)
struct SourceReloadTests {
    static func config(port: Int, store: String, sources: String) -> String {
        GitAccessTests.config(port: port, store: store, sources: sources)
    }

    @Test func aSourceIsAddedRegrantedAndRemovedWithoutARestart() async throws {
        let a = try GitWorkspace(), b = try GitWorkspace()
        try a.commit(Manifests.twoTeams())
        try b.commit(["gamma/greet.yaml": Manifests.template("greet", namespace: "gamma", text: "Gamma {{who}}")])
        let store = a.path("store.db")
        let port = freePort()
        let first = Self.config(port: port, store: store, sources: """
              - {name: team-a, url: \(a.repo.path), interval: 300ms, namespaces: ["alpha"]}
            """)
        let controller = try ControllerProcess(config: first, dir: a.path(""), port: port)
        defer { controller.stop() }
        let pid = controller.pid
        let refused = await controller.waitForJSON("/api/v1/status") { status in
            !((ControllerProcess.source(status, "team-a")?["errors"] as? [Any]) ?? []).isEmpty
        }
        #expect(refused != nil, "beta is outside team-a's namespaces: \(controller.log.suffix(1500))")
        #expect(await controller.get("/api/v1/namespaces/beta/templates/greet")?.0 == 404)

        // Grant beta to team-a and add team-b: both take effect without a restart.
        try Self.config(port: port, store: store, sources: """
              - {name: team-a, url: \(a.repo.path), interval: 300ms, namespaces: ["alpha", "beta"]}
              - {name: team-b, url: \(b.repo.path), interval: 300ms, namespaces: ["gamma"]}
            """).write(toFile: a.path("controller.yaml"), atomically: true, encoding: .utf8)
        kill(pid, SIGHUP)
        let widened = await controller.waitForJSON("/api/v1/status") { status in
            let names = (status["namespaces"] as? [[String: Any]] ?? []).filter { $0["lastAppliedRevision"] is String }.compactMap { $0["name"] as? String }
            return Set(names) == ["alpha", "beta", "gamma"]
                && ((ControllerProcess.source(status, "team-a")?["errors"] as? [Any]) ?? ["x"]).isEmpty
        }
        #expect(widened != nil, "\(controller.log.suffix(2000))")
        #expect(controller.log.contains("configuration reloaded") && controller.log.contains(#"sourcesStarted":"[\"team-b\"]"#), "\(controller.log.suffix(1500))")

        // Remove team-a: it stops (its namespaces keep serving), team-b carries on.
        try Self.config(port: port, store: store, sources: """
              - {name: team-b, url: \(b.repo.path), interval: 300ms, namespaces: ["gamma"]}
            """).write(toFile: a.path("controller.yaml"), atomically: true, encoding: .utf8)
        kill(pid, SIGHUP)
        let removed = await controller.waitForJSON("/api/v1/status") { status in
            (status["sources"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String } == ["team-b"]
        }
        #expect(removed != nil, "\(controller.log.suffix(1500))")
        try a.commit(["alpha/greet.yaml": Manifests.template("greet", namespace: "alpha", text: "changed after removal {{who}}")])
        try b.commit(["gamma/greet.yaml": Manifests.template("greet", namespace: "gamma", text: "Gamma v2 {{who}}")])
        let moved = await controller.waitForJSON("/api/v1/namespaces/gamma/templates/greet") { ($0["version"] as? Int) == 2 }
        #expect(moved != nil, "team-b still polls")
        #expect((await controller.get("/api/v1/namespaces/alpha/templates/greet"))?.1.contains("changed after removal") == false)
        #expect(await controller.get("/api/v1/namespaces/alpha/templates/greet")?.0 == 200, "a removed source's namespaces keep serving")
    }
}

/// `/readyz` after a failed first pass.
@Suite("Readiness of several sources")
struct ReadinessTests {
    @Test func readyzNamesASourceWhoseFirstPassFailedUntilItIsRemoved() async throws {
        let good = try GitWorkspace()
        try good.commit(Manifests.twoTeams())
        let port = freePort()
        let missing = good.path("no-such-repository")
        let controller = try ControllerProcess(config: GitAccessTests.config(port: port, store: good.path("store.db"), sources: """
              - {name: good, url: \(good.repo.path), interval: 300ms}
              - {name: broken, url: \(missing), interval: 300ms}
            """), dir: good.path(""), port: port)
        defer { controller.stop() }
        var answer: (Int, String)?
        for _ in 0..<100 {
            answer = await controller.get("/readyz")
            if answer?.1.contains("failing: source 'broken'") == true { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(answer?.0 == 503 && answer?.1.contains("failing: source 'broken'") == true, "\(String(describing: answer)) \(controller.log.suffix(1000))")
        #expect(answer?.1.contains(missing) == false, "readyz is public: it names sources, never their errors")
        try GitAccessTests.config(port: port, store: good.path("store.db"), sources: "  - {name: good, url: \(good.repo.path), interval: 300ms}")
            .write(toFile: good.path("controller.yaml"), atomically: true, encoding: .utf8)
        kill(controller.pid, SIGHUP)
        var ready = false
        for _ in 0..<100 where !ready {
            ready = await controller.get("/readyz")?.0 == 200
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(ready, "\(controller.log.suffix(1000))")
    }
}
