import Foundation
import PromptOpsCore
import PromptOpsStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Many teams, one controller: a source writes only its namespaces, platform Policies can't
/// be weakened by a tenant, and only commits signed by a trusted key apply. Real
/// repositories, real keys made by ssh-keygen and gpg, the real `promptops` binary.
@Suite("Governance: ownership, platform policies, signed commits", .serialized)
struct GovernanceTests {
    /// Runs a tool found on PATH, with extra environment.
    @discardableResult
    static func tool(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        try runCommand("/usr/bin/env", arguments, environment: environment)
    }

    static func config(store: String, sources: String) -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: ControllerConfig
        store: {path: \(store)}
        sources:
        \(sources)
        """
    }

    /// `promptops sync --config` on `config` written to `dir`.
    static func sync(_ config: String, dir: String) throws -> (Int32, String) {
        let path = dir + "/controller-\(UUID().uuidString.prefix(6)).yaml"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return try runCommand(CommandLineTests.binary.path, ["sync", "--config", path])
    }

    // MARK: ownership

    @Test func aSourceWritingAnotherTeamsNamespaceIsRefusedAtItsLineAndTheOtherTeamIsUntouched() async throws {
        let a = try GitWorkspace(), b = try GitWorkspace()
        try a.commit([
            "alpha/greet.yaml": Manifests.template("greet", namespace: "alpha", text: "A {{who}}"),
            "beta/intrude.yaml": Manifests.template("intrude", namespace: "beta", text: "A writes into beta {{who}}"),
        ])
        try b.commit(["beta/greet.yaml": Manifests.template("greet", namespace: "beta", text: "B {{who}}")])
        let store = a.path("store.db")
        let port = freePort()
        let controller = try ControllerProcess(config: GitAccessTests.config(port: port, store: store, sources: """
              - name: team-a
                url: \(a.repo.path)
                interval: 300ms
                namespaces: ["alpha", "alpha-*"]
              - name: team-b
                url: \(b.repo.path)
                interval: 300ms
                namespaces: ["beta"]
            """), dir: a.path(""), port: port)
        defer { controller.stop() }
        let status = await controller.waitForJSON("/api/v1/status") { status in
            let errors = ControllerProcess.source(status, "team-a")?["errors"] as? [[String: Any]] ?? []
            let names = (status["namespaces"] as? [[String: Any]] ?? []).filter { $0["lastAppliedRevision"] is String }.compactMap { $0["name"] as? String }
            return !errors.isEmpty && Set(names) == ["alpha", "beta"]
        }
        let source = try #require(status.flatMap { ControllerProcess.source($0, "team-a") }, "\(controller.log.suffix(2000))")
        let error = try #require((source["errors"] as? [[String: Any]])?.first)
        #expect(error["path"] as? String == "beta/intrude.yaml")
        #expect(error["line"] as? Int == 3)
        #expect((error["message"] as? String ?? "").contains("source 'team-a' may not write"))
        // B is untouched and not blocked; A's own namespace applied.
        let beta = (status?["namespaces"] as? [[String: Any]])?.first { $0["name"] as? String == "beta" }
        #expect((beta?["errors"] as? [Any])?.isEmpty == true)
        #expect(await controller.get("/api/v1/namespaces/beta/templates/intrude")?.0 == 404)
        #expect(await controller.get("/api/v1/namespaces/beta/templates/greet")?.0 == 200)
        #expect(await controller.get("/api/v1/namespaces/alpha/templates/greet")?.0 == 200)
        let owners = try ServingStore(path: store).namespaceOwners()
        #expect(owners["team-b"] == ["beta"] && owners["team-a"] == ["alpha"])
    }

    // MARK: platform policies

    static let platformGuard = """
        apiVersion: promptops.dev/v1alpha1
        kind: Policy
        metadata: {name: no-keys, namespace: platform}
        spec:
          enforcement: Deny
          namespaces: ["*"]
          rules:
            forbiddenPatterns:
              - {name: api-key, regex: "sk-[A-Za-z0-9]{8,}"}
        """

    /// A tenant trying every way to weaken the platform Deny.
    static let tenantFiles: [String: String?] = [
        "support/reply.yaml": Manifests.template("reply", namespace: "support", text: "Use key sk-ABCDEFGH12345 for {{who}}"),
        "support/relax.yaml": """
            apiVersion: promptops.dev/v1alpha1
            kind: Policy
            metadata: {name: no-keys, namespace: support}
            spec:
              enforcement: Warn
              rules:
                forbiddenPatterns:
                  - {name: api-key, regex: "sk-[A-Za-z0-9]{8,}"}
            """,
        "support/exempt.yaml": """
            apiVersion: promptops.dev/v1alpha1
            kind: Policy
            metadata: {name: exempt, namespace: support}
            spec:
              enforcement: Warn
              namespaces: ["*"]
              match: {kinds: [Deployment]}
              rules: {}
            """,
    ]

    @Test func aTenantPolicyCannotLiftAPlatformDenyAndValidateSeesTheSameVerdict() async throws {
        let platform = try GitWorkspace(), tenant = try GitWorkspace()
        try platform.commit(["platform/no-keys.yaml": Self.platformGuard])
        try tenant.commit(Self.tenantFiles)
        let store = platform.path("store.db")
        let config = Self.platformConfig(store: store, platform: platform.repo.path, tenant: tenant.repo.path)
        let (code, output) = try Self.sync(config, dir: platform.path(""))
        #expect(code == 1, "\(output)")
        #expect(output.contains("support/reply.yaml:6:"), "\(output)")
        #expect(output.contains("platform policy 'platform/no-keys' (Deny): text contains forbidden pattern 'api-key'"), "\(output)")
        #expect(output.contains("support/exempt.yaml") && output.contains("only a source marked `platform: true`"), "\(output)")
        let status = try ServingStore(path: store).status()
        let support = try #require(status.namespaces.first { $0.name == "support" })
        #expect(support.lastAppliedRevision == nil && support.errors.contains { $0.message.contains("platform policy 'platform/no-keys' (Deny)") })
        #expect(try ServingStore(path: store).template(namespace: "support", name: "reply") == nil)

        // `validate --platform` gives the pull request the controller's verdict; without it, the tenant's Warn only.
        let withPlatform = try runCommand(CommandLineTests.binary.path, ["validate", "--platform", platform.repo.path, tenant.repo.path + "/support/reply.yaml", tenant.repo.path + "/support/relax.yaml"])
        #expect(withPlatform.0 == 1 && withPlatform.1.contains("platform policy 'platform/no-keys' (Deny)"), "\(withPlatform.1)")
        // The whole tenant repository, with its grant: the exemption is refused as the controller refuses it.
        try FileManager.default.createDirectory(atPath: tenant.repo.path + "/billing", withIntermediateDirectories: true)
        try Manifests.template("x", namespace: "billing", text: "x {{who}}").write(toFile: tenant.repo.path + "/billing/x.yaml", atomically: true, encoding: .utf8)
        let granted = try runCommand(CommandLineTests.binary.path, ["validate", "--platform", platform.repo.path, "--namespaces", "support", tenant.repo.path])
        #expect(granted.0 == 1 && granted.1.contains("only a source marked `platform: true`") && granted.1.contains("billing/x.yaml:3:")
                && granted.1.contains("may not write"), "\(granted.1)")
        try FileManager.default.removeItem(atPath: tenant.repo.path + "/billing")
        let alone = try runCommand(CommandLineTests.binary.path, ["validate", tenant.repo.path + "/support/reply.yaml", tenant.repo.path + "/support/relax.yaml"])
        #expect(alone.0 == 0 && alone.1.contains("warning: policy 'no-keys' (Warn)"), "\(alone.1)")

        // The tenant removes the key: it applies, platform still governs.
        try tenant.commit(["support/reply.yaml": Manifests.template("reply", namespace: "support", text: "Hello {{who}}"), "support/exempt.yaml": nil])
        let (again, out2) = try Self.sync(config, dir: platform.path(""))
        #expect(again == 0, "\(out2)")
        #expect(try ServingStore(path: store).template(namespace: "support", name: "reply")?.version == 1)
    }

    static func platformConfig(store: String, platform: String, tenant: String, second: String? = nil) -> String {
        config(store: store, sources: """
              - name: tenant
                url: \(tenant)
                namespaces: ["support"]
              - name: platform
                url: \(platform)
                namespaces: ["platform"]
                platform: true
            """ + (second.map { """

              - name: security
                url: \($0)
                namespaces: ["security"]
                platform: true
            """ } ?? ""))
    }

    @Test func aBrokenPlatformPolicyFileKeepsTheAppliedDenyInForceAndTwoPlatformsBothApply() async throws {
        let platform = try GitWorkspace(), tenant = try GitWorkspace(), security = try GitWorkspace()
        try platform.commit(["platform/no-keys.yaml": Self.platformGuard])
        try security.commit(["security/models.yaml": """
            apiVersion: promptops.dev/v1alpha1
            kind: Policy
            metadata: {name: models, namespace: security}
            spec:
              namespaces: ["support"]
              rules: {maxTokens: 500}
            """])
        try tenant.commit(["support/reply.yaml": Manifests.template("reply", namespace: "support", text: "Hello {{who}}")])
        let store = platform.path("store.db")
        let config = Self.platformConfig(store: store, platform: platform.repo.path, tenant: tenant.repo.path, second: security.repo.path)
        var (code, out) = try Self.sync(config, dir: platform.path(""))
        #expect(code == 0, "two platform sources must not wait for each other: \(out)")
        // The platform breaks its own Policy file; the tenant then adds a key.
        try platform.commit(["platform/no-keys.yaml": Self.platformGuard.replacingOccurrences(of: "rules:", with: "rules: {maxTokens: lots}\n  oops:")])
        try tenant.commit(["support/reply.yaml": Manifests.template("reply", namespace: "support", text: "key sk-ABCDEFGH12345 {{who}}")])
        (code, out) = try Self.sync(config, dir: platform.path(""))
        #expect(code == 1, "\(out)")
        #expect(out.contains("platform policy 'platform/no-keys' (Deny)"), "the applied Deny still governs: \(out)")
        let status = try ServingStore(path: store).status()
        #expect(status.namespaces.first { $0.name == "platform" }?.errors.isEmpty == false, "the platform's broken file blocks its namespace")
        #expect(try ServingStore(path: store).template(namespace: "support", name: "reply")?.version == 1)
    }

    @Test func aNarrowedGrantNeverPrunesWhatTheSourceMayNoLongerWrite() async throws {
        let repo = try GitWorkspace()
        try repo.commit(Manifests.twoTeams())
        let store = repo.path("store.db")
        let wide = Self.config(store: store, sources: "  - {name: team, url: \(repo.repo.path), namespaces: [\"alpha\", \"beta\"]}")
        var (code, out) = try Self.sync(wide, dir: repo.path(""))
        #expect(code == 0, "\(out)")
        try repo.commit(["beta/greet.yaml": nil, "beta/deploy.yaml": nil])
        let narrow = Self.config(store: store, sources: "  - {name: team, url: \(repo.repo.path), namespaces: [\"alpha\"]}")
        (code, out) = try Self.sync(narrow, dir: repo.path(""))
        #expect(code == 0, "\(out)")
        #expect(try ServingStore(path: store).template(namespace: "beta", name: "greet") != nil, "beta is outside the grant now: not pruned")
        // A crafted namespace name never slips through a glob.
        try repo.commit(["alpha/odd.yaml": Manifests.template("odd", namespace: "'alpha\\\",\\\"beta'", text: "x {{who}}")])
        let globbed = Self.config(store: store, sources: "  - {name: team, url: \(repo.repo.path), namespaces: [\"alpha*\"]}")
        (code, out) = try Self.sync(globbed, dir: repo.path(""))
        #expect(out.contains("refused") && out.contains("may not write"), "\(out)")
        #expect(try ServingStore(path: store).status().namespaces.allSatisfy { StringFormat.isDNSLabel($0.name) })
    }

    // MARK: signed commits

    /// A repository whose commits are signed (or not) with SSH keys made by ssh-keygen.
    final class SSHSignedRepo: Sendable {
        let workspace: GitWorkspace
        let keys: String
        init() throws {
            workspace = try GitWorkspace()
            keys = workspace.path("keys")
            try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
            for (name, type) in [("trusted", "ed25519"), ("ecdsa", "ecdsa"), ("stranger", "ed25519")] {
                let (code, out) = try GovernanceTests.tool(["ssh-keygen", "-q", "-t", type, "-N", "", "-C", name, "-f", "\(keys)/\(name)"])
                guard code == 0 else { throw GitWorkspace.WorkspaceError.git("ssh-keygen: \(out)") }
            }
            let trusted = try String(contentsOfFile: "\(keys)/trusted.pub", encoding: .utf8)
            let ecdsa = try String(contentsOfFile: "\(keys)/ecdsa.pub", encoding: .utf8)
            try "ana@example.com \(trusted)bo@example.com namespaces=\"git\" \(ecdsa)".write(toFile: "\(keys)/allowed_signers", atomically: true, encoding: .utf8)
        }

        /// Commits `files`, signed with `key` (nil: unsigned); returns the sha.
        @discardableResult
        func commit(_ files: [String: String?], key: String?, message: String = "change") throws -> String {
            for (path, content) in files {
                let url = workspace.repo.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try content?.write(to: url, atomically: true, encoding: .utf8)
            }
            try workspace.git("add", "-A")
            var args = ["git", "-C", workspace.repo.path, "-c", "user.name=Ana Lima", "-c", "user.email=ana@example.com"]
            if let key { args += ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(keys)/\(key)", "commit", "-S"] } else { args += ["-c", "commit.gpgsign=false", "commit"] }
            let (code, out) = try GovernanceTests.tool(args + ["-q", "--allow-empty", "-m", message])
            guard code == 0 else { throw GitWorkspace.WorkspaceError.git("commit: \(out)") }
            return try workspace.git("rev-parse", "HEAD")
        }

        func fingerprint(_ key: String) throws -> String {
            let (_, out) = try GovernanceTests.tool(["ssh-keygen", "-lf", "\(keys)/\(key).pub"])
            return String(out.split(separator: " ")[1])
        }

        func config(store: String) -> String {
            GovernanceTests.config(store: store, sources: """
                  - name: signed
                    url: \(workspace.repo.path)
                    verify: {mode: ssh, trustedKeys: {fromFile: \(keys)/allowed_signers}}
                """)
        }
    }

    @Test func onlyCommitsSignedByATrustedSSHKeyApply() async throws {
        let repo = try SSHSignedRepo()
        let store = repo.workspace.path("store.db")
        let dir = repo.workspace.path("")
        let greet = { (text: String) in ["alpha/greet.yaml": Manifests.template("greet", namespace: "alpha", text: text)] as [String: String?] }
        // Signed by a trusted key: applies, and the signer is stored with the version.
        try repo.commit(greet("v1 {{who}}"), key: "trusted")
        var (code, out) = try Self.sync(repo.config(store: store), dir: dir)
        #expect(code == 0, "\(out)")
        var versions = try #require(try ServingStore(path: store).template(namespace: "alpha", name: "greet")).versions
        #expect(versions.last?.signer?.principal == "ana@example.com")
        #expect(versions.last?.signer?.fingerprint == (try repo.fingerprint("trusted")))

        func expectBlocked(_ sha: String, _ reason: String, fingerprint: String?) throws {
            let (code, out) = try Self.sync(repo.config(store: store), dir: dir)
            #expect(code != 0, "\(out)")
            let status = try ServingStore(path: store).status()
            let source = try #require(status.sources.first { $0.name == "signed" })
            let error = source.lastError ?? ""
            #expect(error.contains("commit \(sha.prefix(12)) is not applied") && error.contains(reason), "\(error)")
            if let fingerprint { #expect(error.contains(fingerprint), "\(error)") }
            let events = try ServingStore(path: store).events(limit: 50)
            #expect(events.contains { $0.reason == "CommitNotVerified" && $0.message.contains(String(sha.prefix(12))) })
            // What is served stays.
            #expect(try ServingStore(path: store).template(namespace: "alpha", name: "greet")?.version == 1)
        }
        // Unsigned.
        try expectBlocked(try repo.commit(greet("v2 {{who}}"), key: nil), "not signed", fingerprint: nil)
        // Signed by a key not in allowed_signers.
        try expectBlocked(try repo.commit(greet("v3 {{who}}"), key: "stranger"), "is not in allowed_signers", fingerprint: try repo.fingerprint("stranger"))
        // Signed by a trusted key, then altered: the raw commit rewritten with its signature kept.
        try repo.commit(greet("v4 {{who}}"), key: "trusted", message: "reviewed change")
        let raw = try repo.workspace.git("cat-file", "commit", "HEAD")
        let forged = repo.workspace.path("forged")
        try (raw.replacingOccurrences(of: "reviewed change", with: "sneaky change") + "\n").write(toFile: forged, atomically: true, encoding: .utf8)
        let forgedSHA = try repo.workspace.git("hash-object", "-t", "commit", "-w", forged)
        try repo.workspace.git("update-ref", "refs/heads/main", forgedSHA)
        try expectBlocked(forgedSHA, "does not match", fingerprint: try repo.fingerprint("trusted"))
        // An ECDSA key in allowed_signers applies again.
        try repo.commit(greet("v5 {{who}}"), key: "ecdsa")
        (code, out) = try Self.sync(repo.config(store: store), dir: dir)
        #expect(code == 0, "\(out)")
        versions = try #require(try ServingStore(path: store).template(namespace: "alpha", name: "greet")).versions
        #expect(versions.count == 2 && versions.last?.signer?.principal == "bo@example.com")
        let audit = try ServingStore(path: store).audit(limit: 10)
        #expect(audit.contains { $0.action == "apply" && $0.details.text.contains("bo@example.com") })
    }

    @Test func anOpenPGPSignedCommitFromTheTrustedKeyringApplies() async throws {
        let workspace = try GitWorkspace()
        let home = workspace.path("gnupg")
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let gpg = { (args: [String]) throws -> (Int32, String) in try Self.tool(["gpg", "--batch", "--homedir", home, "--pinentry-mode", "loopback", "--passphrase", ""] + args) }
        var (code, out) = try gpg(["--quick-gen-key", "Ana Lima <ana@example.com>", "ed25519", "sign", "never"])
        #expect(code == 0, "\(out)")
        (_, out) = try gpg(["--list-keys", "--with-colons"])
        let fingerprint = try #require(out.split(separator: "\n").first { $0.hasPrefix("fpr:") }?.split(separator: ":").last.map(String.init))
        (code, out) = try gpg(["--output", workspace.path("trusted.gpg"), "--export", fingerprint])
        #expect(code == 0, "\(out)")
        try FileManager.default.createDirectory(at: workspace.repo.appendingPathComponent("alpha"), withIntermediateDirectories: true)
        try Manifests.template("greet", namespace: "alpha", text: "signed {{who}}").write(to: workspace.repo.appendingPathComponent("alpha/greet.yaml"), atomically: true, encoding: .utf8)
        try workspace.git("add", "-A")
        (code, out) = try Self.tool(["git", "-C", workspace.repo.path, "-c", "user.name=Ana Lima", "-c", "user.email=ana@example.com",
                                     "-c", "gpg.program=gpg", "-c", "user.signingkey=\(fingerprint)", "commit", "-S", "-q", "-m", "signed"],
                                    environment: ["GNUPGHOME": home])
        #expect(code == 0, "\(out)")
        defer { _ = try? Self.tool(["gpgconf", "--homedir", home, "--kill", "all"]) }
        let store = workspace.path("store.db")
        let config = Self.config(store: store, sources: """
              - name: signed
                url: \(workspace.repo.path)
                verify: {mode: openpgp, trustedKeys: {fromFile: \(workspace.path("trusted.gpg"))}}
            """)
        (code, out) = try Self.sync(config, dir: workspace.path(""))
        #expect(code == 0, "\(out)")
        let version = try #require(try ServingStore(path: store).template(namespace: "alpha", name: "greet")?.versions.last)
        #expect(version.signer?.mode == "openpgp" && version.signer?.fingerprint == fingerprint && version.signer?.principal == "Ana Lima <ana@example.com>")
        // An unsigned commit on top is blocked.
        try workspace.commit(["alpha/greet.yaml": Manifests.template("greet", namespace: "alpha", text: "unsigned {{who}}")])
        (code, out) = try Self.sync(config, dir: workspace.path(""))
        #expect(code != 0)
        #expect(try ServingStore(path: store).status().sources.first?.lastError?.contains("not signed") == true)
    }
}

/// Analysis providers use only what the controller config grants: a named secret, and
/// addresses under an egress prefix (loopback, link-local and private refused otherwise).
@Suite("Provider secrets and egress", .serialized)
struct ProviderGrantTests {
    static func deployment(_ name: String, provider: String) -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: \(name), namespace: alpha}
        spec:
          template: greet
          strategy: {type: Canary, canary: {steps: [{setWeight: 10}, {analysis: {}}]}}
          analysis:
            metrics:
              - name: m
                provider: \(provider)
                thresholdRange: {min: 0.5}
        """
    }

    @Test(arguments: [
        ("{evaluation: {endpoint: 'https://api.example.com/v1', model: m, apiKeyEnv: HOME}}", "deploy.yaml:10:", "apiKeyEnv' (removed: a manifest never names the controller's environment"),
        ("{web: {url: 'http://169.254.169.254/latest/meta-data/x', jsonPath: '$.x'}}", "deploy.yaml:10:", "link-local (cloud metadata) address"),
        ("{prometheus: {address: 'http://10.0.0.1:9090', query: up}}", "deploy.yaml:10:", "is a private address"),
        ("{web: {url: 'http://2130706433/score', jsonPath: '$.x'}}", "deploy.yaml:10:", "non-canonical numeric address"),
        ("{evaluation: {endpoint: 'https://api.example.com/v1', model: m, secretRef: openai}}", "deploy.yaml:10:", "no secret 'openai' is granted to namespace 'alpha'"),
    ])
    func aProviderReachingWhatItWasNotGrantedIsALocatedError(provider: String, at location: String, words: String) throws {
        let repo = try GitWorkspace()
        try repo.commit(["alpha/greet.yaml": Manifests.template("greet", namespace: "alpha", text: "Hi {{who}}"),
                         "alpha/deploy.yaml": Self.deployment("d", provider: provider)])
        let config = GovernanceTests.config(store: repo.path("store.db"), sources: "  - {name: team, url: \(repo.repo.path)}") + """

            secrets:
              - {name: openai, value: {fromEnv: HOME}, namespaces: ["billing"]}
            """
        let (code, out) = try GovernanceTests.sync(config, dir: repo.path(""))
        #expect(code == 1, "\(out)")
        #expect(out.contains("alpha/\(location)") && out.contains(words), "\(out)")
        #expect(!out.contains(ProcessInfo.processInfo.environment["HOME"] ?? "/root"), "the secret's value never shows")
    }

    @Test func withAnEgressSectionOnlyGrantedPrefixesPass() throws {
        let repo = try GitWorkspace()
        try repo.commit(["alpha/greet.yaml": Manifests.template("greet", namespace: "alpha", text: "Hi {{who}}"),
                         "alpha/deploy.yaml": Self.deployment("d", provider: "{evaluation: {endpoint: 'http://127.0.0.1:11434/v1', model: m, secretRef: local}}")])
        let base = GovernanceTests.config(store: repo.path("store.db"), sources: "  - {name: team, url: \(repo.repo.path)}")
        let granted = base + """

            secrets:
              - {name: local, value: {fromEnv: HOME}, namespaces: ["alpha"]}
            egress:
              - {namespaces: ["alpha"], urls: ["http://127.0.0.1:11434/"]}
            """
        var (code, out) = try GovernanceTests.sync(granted, dir: repo.path(""))
        #expect(code == 0, "\(out)")
        // The same URL granted only to another namespace: refused, naming what is granted.
        try repo.commit(["alpha/deploy.yaml": Self.deployment("d", provider: "{evaluation: {endpoint: 'https://api.openai.com/v1', model: m, secretRef: local}}")])
        (code, out) = try GovernanceTests.sync(granted, dir: repo.path(""))
        #expect(code == 1 && out.contains("is not under an egress URL granted to namespace 'alpha' (granted: http://127.0.0.1:11434/)"), "\(out)")
    }
}
