import Crypto
import Foundation
import Testing
@testable import PromptOpsCore

@Suite("Controller configuration")
struct ControllerConfigTests {
    func load(_ text: String) -> Result<ControllerConfig, ConfigProblems> {
        ControllerConfigLoader().load(Array(text.utf8), path: "controller.yaml")
    }

    @Test func theBundledExampleLoads() throws {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent("examples/config/controller.yaml"))
        let config = try ControllerConfigLoader().load(Array(data), path: "examples/config/controller.yaml").get()
        #expect(config.sources.map(\.name) == ["prompts", "marketing"])
        #expect(config.sources[0].interval == .seconds(300))
        #expect(config.sources[0].auth == .ssh(privateKey: .file("/etc/promptops/deploy_key"), passphrase: nil,
                                                knownHosts: .file("/etc/promptops/known_hosts")))
        #expect(config.sources[0].webhookSecret == .env("PROMPTOPS_WEBHOOK_SECRET"))
        #expect(config.receivers.map(\.kind) == [.slack, .github])
        #expect(config.notifications[1].events == ["Applied", "Blocked", "CanaryStarted", "Promoted", "RolledBack"])
    }

    @Test(arguments: ["manifests/deploy/systemd/controller.yaml", "examples/config/controller.yaml"])
    func shippedConfigsLoad(path: String) throws {
        let data = try Data(contentsOf: packageRoot.appendingPathComponent(path))
        let result = ControllerConfigLoader().load(Array(data), path: path)
        if case .failure(let problems) = result { Issue.record("\(problems)") }
    }

    @Test(arguments: [
        // (document, expected location, expected words)
        ("sources: [{name: a, url: /r, colour: red}]", "controller.yaml:3:30", "unknown field 'colour'"),
        ("sources: [{name: a, url: /r, interval: soon}]", "controller.yaml:3:40", "duration"),
        ("sources: [{name: A_b, url: /r}]", "controller.yaml:3:18", "DNS-1123"),
        ("sources: [{name: a, url: https://h/r, auth: {https: {username: u, password: hunter2}}}]", "controller.yaml:3:77",
         "secrets are never written inline"),
        ("sources: [{name: a, url: https://h/r, auth: {ssh: {privateKey: {fromFile: /k}, knownHosts: {fromFile: /h}}}}]",
         "controller.yaml:3:51", "not an ssh://"),
        ("sources: [{name: a, url: 'https://u:pw@h/r'}]", "controller.yaml:3:26", "credentials must not be written in the URL"),
        ("sources: [{name: a, url: /r}, {name: a, url: /s}]", "controller.yaml:3:38", "used by another source"),
        ("sources: [{name: a, url: /r, webhook: {secret: {fromEnv: A, fromFile: /b}}}]", "controller.yaml:3:48", "exactly one of"),
        ("receivers: [{name: s, type: slack, url: 'https://hooks.slack.com/x'}]", "controller.yaml:3:41", "is a secret"),
        ("receivers: [{name: g, type: github, url: 'https://api.github.com'}]", "controller.yaml:3:13", "needs 'repository'"),
        ("notifications: [{receiver: nobody}]", "controller.yaml:3:28", "no receiver is named 'nobody'"),
        ("notifications: [{receiver: r, events: [Exploded]}]", "controller.yaml:3:40", "not allowed"),
        ("listen: nowhere", "controller.yaml:3:9", "HOST:PORT"),
        ("access: {tokens: [{name: a, sha256: 'ABC', scopes: [read]}]}", "controller.yaml:3:37", "SHA-256 digest"),
        ("access: {tokens: [{name: a, sha256: '\(String(repeating: "a", count: 64))', scopes: [write]}]}", "controller.yaml:3:114", "not allowed"),
        ("access: {tokens: [{name: a, sha256: '\(String(repeating: "a", count: 64))', scopes: []}]}", "controller.yaml:3:113", "at least 1"),
        ("access: {open: true, tokens: [{name: a, sha256: '\(String(repeating: "a", count: 64))', scopes: [read]}]}", "controller.yaml:3:9", "contradict"),
        ("access: {tokens: [{name: a, sha256: '\(String(repeating: "a", count: 64))', scopes: [read]}, {name: a, sha256: '\(String(repeating: "b", count: 64))', scopes: [read]}]}",
         "controller.yaml:3:129", "used by another token"),
        ("sources: [{name: a, url: /r, verify: {mode: x509, trustedKeys: {fromFile: /k}}}]", "controller.yaml:3:45", "not allowed"),
        ("sources: [{name: a, url: /r, verify: {mode: ssh, trustedKeys: 'ssh-ed25519 AAAA'}}]", "controller.yaml:3:63", "secrets are never written inline"),
        ("sources: [{name: a, url: /r, platform: yes}]", "controller.yaml:3:40", "expected true or false"),
    ])
    func problemsAreLocated(document: String, at location: String, words: String) throws {
        let text = "apiVersion: promptops.dev/v1alpha1\nkind: ControllerConfig\n" + document + "\n"
        guard case .failure(let problems) = load(text) else {
            Issue.record("expected a problem for \(document)")
            return
        }
        let match = problems.diagnostics.first { $0.description.contains(words) }
        #expect(match != nil, "\(problems)")
        #expect(match.map { "\($0.location)" } == location, "\(problems)")
        #expect(!problems.description.contains("hunter2") && !problems.description.contains(":pw@"))
    }

    @Test func aTokenPastedWhereItsDigestBelongsIsNeverRepeated() throws {
        let pasted = "s3cr3t-plaintext-token-\(UUID().uuidString)"
        guard case .failure(let problems) = load("""
            apiVersion: promptops.dev/v1alpha1
            kind: ControllerConfig
            access: {tokens: [{name: app, sha256: \(pasted), scopes: [read]}]}
            """) else { Issue.record("expected problems"); return }
        #expect(!problems.description.contains(pasted) && !problems.description.contains("s3cr3t"), "\(problems)")
        #expect(problems.description.contains("write the token's digest, never the token"))
        guard case .failure(let reserved) = load("""
            apiVersion: promptops.dev/v1alpha1
            kind: ControllerConfig
            access: {tokens: [{name: unknown, sha256: \(String(repeating: "c", count: 64)), scopes: [read]}]}
            """) else { Issue.record("expected problems"); return }
        #expect(reserved.description.contains("'unknown' is reserved"))
    }

    @Test func governanceFieldsLoad() throws {
        let digest = String(repeating: "0f", count: 32)
        let config = try load("""
            apiVersion: promptops.dev/v1alpha1
            kind: ControllerConfig
            sources:
              - {name: platform, url: /p, platform: true, namespaces: ["platform"]}
              - name: support
                url: /s
                namespaces: ["support", "support-*"]
                verify: {mode: openpgp, trustedKeys: {fromFile: /etc/promptops/keyring.gpg}}
            access:
              tokens:
                - {name: app, sha256: \(digest), namespaces: ["support"], scopes: [read, render]}
                - {name: prometheus, sha256: "\(String(repeating: "1", count: 64))", scopes: [metrics]}
            """).get()
        #expect(config.sources[0].platform && config.sources[0].namespaces == ["platform"] && config.sources[0].verify == nil)
        #expect(!config.sources[1].platform && config.sources[1].namespaces == ["support", "support-*"])
        #expect(config.sources[1].verify == .init(mode: .openpgp, trustedKeys: .file("/etc/promptops/keyring.gpg")))
        #expect(config.tokens.map(\.name) == ["app", "prometheus"])
        #expect(config.tokens[0].sha256 == Array(repeating: 0x0f, count: 32) && config.tokens[0].scopes == [.read, .render])
        #expect(config.tokens[1].namespaces.isEmpty && config.tokens[1].scopes == [.metrics])
    }

    @Test func defaultsApply() throws {
        let config = try load("apiVersion: promptops.dev/v1alpha1\nkind: ControllerConfig\nsources: [{name: a, url: /r}]\n").get()
        #expect(config.sources[0].branch == "main" && config.sources[0].interval == .seconds(30) && config.sources[0].timeout == .seconds(60))
        #expect(config.listen == nil && !config.accessOpen)
    }
}

@Suite("known_hosts")
struct KnownHostsTests {
    // Any bytes stand in for a key blob: matching compares bytes.
    static let key = Array("\u{0}\u{0}\u{0}\u{b}ssh-ed25519 key-one".utf8)
    static let other = Array("\u{0}\u{0}\u{0}\u{b}ssh-ed25519 key-two".utf8)
    static func line(_ host: String, _ key: [UInt8]) -> String { "\(host) ssh-ed25519 \(Data(key).base64EncodedString())" }

    @Test func plainWildcardPortAndRevoked() {
        let file = KnownHosts([
            "# comment", Self.line("github.com,140.82.112.3", Self.key), Self.line("[git.example.com]:2222", Self.key),
            Self.line("*.corp.example,!bad.corp.example", Self.key), "@revoked " + Self.line("old.example", Self.other),
            Self.line("old.example", Self.key),
        ].joined(separator: "\n"))
        #expect(file.check(host: "github.com", port: 22, key: Self.key) == .trusted)
        #expect(file.check(host: "github.com", port: 22, key: Self.other) == .changed)
        #expect(file.check(host: "gitlab.com", port: 22, key: Self.key) == .unknown)
        #expect(file.check(host: "git.example.com", port: 2222, key: Self.key) == .trusted)
        #expect(file.check(host: "git.example.com", port: 22, key: Self.key) == .unknown)
        #expect(file.check(host: "a.corp.example", port: 22, key: Self.key) == .trusted)
        #expect(file.check(host: "bad.corp.example", port: 22, key: Self.key) == .unknown)
        #expect(file.check(host: "old.example", port: 22, key: Self.other) == .revoked)
    }

    @Test func hashedHostNames() {
        let salt = Data((0..<20).map { UInt8($0) })
        let hash = HMAC<Insecure.SHA1>.authenticationCode(for: Data("[127.0.0.1]:2200".utf8), using: SymmetricKey(data: salt))
        let file = KnownHosts(Self.line("|1|\(salt.base64EncodedString())|\(Data(hash).base64EncodedString())", Self.key))
        #expect(file.check(host: "127.0.0.1", port: 2200, key: Self.key) == .trusted)
        #expect(file.check(host: "127.0.0.1", port: 22, key: Self.key) == .unknown)
    }

    @Test func fingerprintIsOpenSSHs() {
        // ssh-keygen -l prints SHA256: and unpadded base64 of the blob's digest.
        let fingerprint = KnownHosts.fingerprint(Self.key)
        #expect(fingerprint.hasPrefix("SHA256:") && !fingerprint.hasSuffix("="))
        #expect(KnownHosts.keyType(Self.key) == "ssh-ed25519")
    }
}
