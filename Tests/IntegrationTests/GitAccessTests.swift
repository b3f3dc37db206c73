import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Private repositories for real: OpenSSH's sshd and git's smart HTTP backend on loopback,
/// the controller as users run it (`promptops controller --config`), credentials from the
/// environment and files, and a remote that accepts connections and never answers.
@Suite("Git access", .serialized)
struct GitAccessTests {
    /// A workspace with two teams committed, and a bare copy served as the remote.
    final class Remote: Sendable {
        let workspace: GitWorkspace
        let bare: String
        let first: String

        init() throws {
            workspace = try GitWorkspace()
            first = try workspace.commit(Manifests.twoTeams(), message: "two teams")
            bare = workspace.path("srv/prompts.git")
            try runCommand("/usr/bin/git", ["clone", "-q", "--bare", workspace.repo.path, bare])
        }

        /// Commits a change and pushes it to the bare remote; returns the sha.
        func pushChange(_ text: String) throws -> String {
            let sha = try workspace.commit(["alpha/greet.yaml": Manifests.template("greet", namespace: "alpha", text: text)])
            try workspace.git("push", "-q", bare, "main")
            return sha
        }

        func path(_ name: String) -> String { workspace.path(name) }
    }

    static func config(port: Int, store: String, sources: String) -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: ControllerConfig
        listen: 127.0.0.1:\(port)
        store: {path: \(store)}
        sources:
        \(sources)
        """
    }

    /// Everything a secret could leak into: the log, the status, events and the store file.
    static func outputs(_ controller: ControllerProcess, store: String) async -> String {
        var text = controller.log
        text += await controller.get("/api/v1/status")?.1 ?? ""
        text += await controller.get("/api/v1/events")?.1 ?? ""
        for suffix in ["", "-wal"] {
            if let data = FileManager.default.contents(atPath: store + suffix) { text += String(decoding: data, as: UTF8.self) }
        }
        return text
    }

    @Test func sshWithDeployKeyAndKnownHosts() async throws {
        let remote = try Remote()
        let dir = remote.path("ssh")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        let passphrase = "correct horse \(UUID().uuidString)"
        for (name, pass) in [("host", ""), ("client", passphrase), ("wrong", ""), ("other-host", "")] {
            let (code, out) = try runCommand("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", pass, "-C", name, "-f", "\(dir)/\(name)"])
            #expect(code == 0, "\(out)")
        }
        let clientPub = try String(contentsOfFile: "\(dir)/client.pub", encoding: .utf8)
        try clientPub.write(toFile: "\(dir)/authorized_keys", atomically: true, encoding: .utf8)
        chmod("\(dir)/authorized_keys", 0o600)
        let fingerprint = try runCommand("/usr/bin/ssh-keygen", ["-l", "-f", "\(dir)/host.pub"]).1.split(separator: " ")[1]
        let sshPort = freePort()
        try """
        Port \(sshPort)
        ListenAddress 127.0.0.1
        HostKey \(dir)/host
        AuthorizedKeysFile \(dir)/authorized_keys
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PubkeyAuthentication yes
        PermitRootLogin prohibit-password
        StrictModes no
        UsePAM no
        PidFile \(dir)/sshd.pid
        """.write(toFile: "\(dir)/sshd_config", atomically: true, encoding: .utf8)
        let sshd = try Daemon("/usr/sbin/sshd", ["-D", "-e", "-f", "\(dir)/sshd_config"])
        defer { withExtendedLifetime(sshd) {} }
        #expect(await waitForPort(sshPort), "sshd did not start")
        func knownHosts(_ key: String) throws -> String {
            let pub = try String(contentsOfFile: "\(dir)/\(key).pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
            return "[127.0.0.1]:\(sshPort) \(pub)\n"
        }
        try knownHosts("host").write(toFile: "\(dir)/known_hosts", atomically: true, encoding: .utf8)
        try knownHosts("other-host").write(toFile: "\(dir)/changed_known_hosts", atomically: true, encoding: .utf8)
        try "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"
            .write(toFile: "\(dir)/other_known_hosts", atomically: true, encoding: .utf8)
        let user = NSUserName()
        let store = remote.path("store.db")
        func source(key: String, knownHosts: String) -> String {
            """
              - name: prompts
                url: ssh://\(user)@127.0.0.1:\(sshPort)\(remote.bare)
                interval: 1h
                timeout: 20s
                auth:
                  ssh:
                    privateKey: {fromFile: \(dir)/\(key)}
                    passphrase: {fromEnv: DEPLOY_KEY_PASSPHRASE}
                    knownHosts: {fromFile: \(dir)/\(knownHosts)}
            """
        }
        let env = ["DEPLOY_KEY_PASSPHRASE": passphrase]

        // The right key applies.
        var port = freePort()
        var controller = try ControllerProcess(config: Self.config(port: port, store: store, sources: source(key: "client", knownHosts: "known_hosts")),
                                               dir: dir, port: port, environment: env)
        let applied = await controller.waitForJSON("/api/v1/status") { ControllerProcess.source($0, "prompts")?["revision"] as? String == remote.first }
        #expect(applied != nil, "not applied over ssh: \(controller.log.suffix(2000))")
        #expect(await !Self.outputs(controller, store: store).contains(passphrase))
        controller.stop()

        // A wrong key: an auth error in status, the old revision still served.
        let second = try remote.pushChange("Second {{who}}")
        for (key, hosts, expected) in [("wrong", "known_hosts", "authentication failed"),
                                       ("client", "other_known_hosts", "is not in known_hosts (ssh-ed25519 \(fingerprint))"),
                                       ("client", "changed_known_hosts", "does not match known_hosts (got ssh-ed25519 \(fingerprint))")] {
            port = freePort()
            controller = try ControllerProcess(config: Self.config(port: port, store: store, sources: source(key: key, knownHosts: hosts)),
                                               dir: dir, port: port, environment: env)
            let failed = await controller.waitForJSON("/api/v1/status") {
                (ControllerProcess.source($0, "prompts")?["lastError"] as? String)?.contains(expected) == true
            }
            #expect(failed != nil, "\(key)/\(hosts): expected '\(expected)': \(controller.log.suffix(1500))")
            if let failed {
                #expect(failed["revision"] as? String == remote.first, "the last applied revision keeps serving")
                let namespaces = failed["namespaces"] as? [[String: Any]] ?? []
                #expect(namespaces.allSatisfy { $0["lastAppliedRevision"] as? String == remote.first })
                #expect(ControllerProcess.source(failed, "prompts")?["revision"] as? String != second)
            }
            #expect(await controller.get("/healthz")?.0 == 200)
            #expect(await !Self.outputs(controller, store: store).contains(passphrase))
            controller.stop()
        }
    }

    @Test func httpsWithTokenAgainstGitHTTPBackend() async throws {
        let remote = try Remote()
        let token = "ghs_\(UUID().uuidString)"
        let httpPort = freePort()
        let server = try Daemon("/usr/bin/python3", [CommandLineTests.packageRoot.path + "/hack/lib/git-http-server.py", "\(httpPort)",
                                                     (remote.bare as NSString).deletingLastPathComponent, "x-access-token", token])
        defer { withExtendedLifetime(server) {} }
        #expect(await waitForPort(httpPort), "git http server did not start")
        let store = remote.path("store.db")
        let source = """
              - name: prompts
                url: http://127.0.0.1:\(httpPort)/prompts.git
                interval: 1h
                timeout: 20s
                auth:
                  https:
                    username: x-access-token
                    password: {fromEnv: GIT_TOKEN}
            """
        var port = freePort()
        var controller = try ControllerProcess(config: Self.config(port: port, store: store, sources: source), dir: remote.path(""), port: port,
                                               environment: ["GIT_TOKEN": token])
        let applied = await controller.waitForJSON("/api/v1/status") { ControllerProcess.source($0, "prompts")?["revision"] as? String == remote.first }
        #expect(applied != nil, "not applied over http: \(controller.log.suffix(2000))")
        #expect(await !Self.outputs(controller, store: store).contains(token))
        controller.stop()

        _ = try remote.pushChange("Second {{who}}")
        let wrong = "ghs_wrong_\(UUID().uuidString)"
        port = freePort()
        controller = try ControllerProcess(config: Self.config(port: port, store: store, sources: source), dir: remote.path(""), port: port,
                                           environment: ["GIT_TOKEN": wrong])
        let failed = await controller.waitForJSON("/api/v1/status") {
            (ControllerProcess.source($0, "prompts")?["lastError"] as? String)?.contains("authentication failed") == true
        }
        #expect(failed != nil, "\(controller.log.suffix(1500))")
        #expect(failed?["revision"] as? String == remote.first)
        #expect((failed?["namespaces"] as? [[String: Any]] ?? []).allSatisfy { $0["lastAppliedRevision"] as? String == remote.first })
        let outputs = await Self.outputs(controller, store: store)
        #expect(!outputs.contains(wrong) && !outputs.contains(token))
        controller.stop()
    }

    @Test func aRemoteThatNeverAnswersFailsWithinTheTimeoutWhileServingGoesOn() async throws {
        let remote = try Remote()
        // Accepts connections (the kernel completes the handshake) and never says a word.
        let silent = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(silent) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let silentPort = freePort()
        address.sin_port = in_port_t(UInt16(silentPort).bigEndian)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(silent, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(listen(silent, 64) == 0)
        let store = remote.path("store.db")
        let port = freePort()
        let controller = try ControllerProcess(config: Self.config(port: port, store: store, sources: """
              - name: local
                url: \(remote.bare)
                interval: 1h
              - name: hung
                url: http://127.0.0.1:\(silentPort)/prompts.git
                interval: 1h
                timeout: 2s
            """), dir: remote.path(""), port: port)
        let started = Date()
        #expect(await controller.waitForJSON("/api/v1/status") { ControllerProcess.source($0, "local")?["revision"] != nil } != nil)
        // While the hung fetch runs, the endpoint answers at once.
        var slowest = 0.0
        while Date().timeIntervalSince(started) < 1.5 {
            let t = Date()
            #expect(await controller.get("/healthz")?.0 == 200)
            #expect(await controller.get("/api/v1/namespaces/alpha/deployments/greet-prod/resolve?key=k")?.0 == 200)
            slowest = max(slowest, Date().timeIntervalSince(t))
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(slowest < 1.0, "a request waited \(slowest) s behind the hung fetch")
        let failed = await controller.waitForJSON("/api/v1/status", seconds: 10) {
            (ControllerProcess.source($0, "hung")?["lastError"] as? String)?.contains("timed out") == true
        }
        #expect(failed != nil, "\(controller.log.suffix(1500))")
        #expect(Date().timeIntervalSince(started) < 8, "the 2 s timeout took \(Date().timeIntervalSince(started)) s")
        controller.stop()
    }
}
