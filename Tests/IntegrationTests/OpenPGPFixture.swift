import Foundation
import PromptOpsTestSupport

/// Real OpenPGP keys and real gpg-signed git commits, made once per test run (about a second:
/// ed25519 keys are instant, one rsa3072 key takes a fraction of a second).
///
/// Everything is made in `init`, then the signers' gpg-agents are stopped and their homes
/// deleted, so the tests only hold bytes: no daemon outlives the fixture.
struct PGPFixture: Sendable {
    /// One signed commit, split as git_commit_extract_signature splits it.
    struct SignedCommit: Sendable {
        var signature: Data
        var payload: Data
        var time: Date
    }

    static let shared = Result { try PGPFixture() }

    /// Primary-key fingerprints (and Alice's signing subkey).
    let alice, aliceSubkey, bob, mallory, eve, rita: String
    /// `gpg --export` of Alice, Bob, Eve and Rita, concatenated (Mallory is left out).
    let trustedKeyring: Data
    /// `gpg --export --armor` of Alice alone.
    let aliceArmored: Data
    /// `gpg --export-secret-keys` of Alice: what a trusted-keys file must never be.
    let aliceSecret: Data
    let byAlice, byAliceSubkey, byBob, byMallory, byEve, byRita: SignedCommit

    private init() throws {
        // Short on purpose: the signers' gpg-agent sockets live in these homes (108-byte limit).
        let root = "/tmp/pgpt-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var homes: [String] = []
        defer {
            for home in homes { _ = try? Self.run(["gpgconf", "--homedir", home, "--kill", "all"]) }
            try? FileManager.default.removeItem(atPath: root)
        }
        func makeHome(_ name: String, conf: String = "") throws -> String {
            let home = "\(root)/\(name)"
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            try conf.write(toFile: "\(home)/gpg.conf", atomically: true, encoding: .utf8)
            homes.append(home)
            return home
        }
        func generate(_ home: String, _ uid: String, _ algo: String, expires: String = "never") throws -> String {
            try Self.gpg(home, ["--passphrase", "", "--quick-gen-key", uid, algo, "sign", expires])
            return try Self.fingerprints(home)[0]
        }

        let a = try makeHome("a"), b = try makeHome("b"), r = try makeHome("r")
        // Mallory's signatures carry her public key inside them: a verifier that imported keys
        // from signatures (gpg's auto-key-import) would find her key and call it good.
        let m = try makeHome("m", conf: "include-key-block\n")
        // Eve's gpg lives three days in the past, so her one-day key is long expired today.
        let e = try makeHome("e", conf: "faked-system-time \(Int(Date().timeIntervalSince1970) - 3 * 86_400)\n")
        alice = try generate(a, "Alice <alice@example.com>", "ed25519")
        try Self.gpg(a, ["--passphrase", "", "--quick-add-key", alice, "ed25519", "sign", "never"])
        aliceSubkey = try Self.fingerprints(a)[1]
        bob = try generate(b, "Bob <bob@example.com>", "rsa3072")
        mallory = try generate(m, "Mallory <mallory@example.com>", "ed25519")
        eve = try generate(e, "Eve <eve@example.com>", "ed25519", expires: "1d")
        rita = try generate(r, "Rita <rita@example.com>", "ed25519")

        let repo = "\(root)/repo"
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: false)
        try Self.run(["git", "init", "-q", "-b", "main", repo])
        func commit(_ home: String, key: String, _ name: String) throws -> SignedCommit {
            try "\(name)\n".write(toFile: "\(repo)/\(name).txt", atomically: true, encoding: .utf8)
            try Self.run(["git", "-C", repo, "add", "-A"])
            let who = name.split(separator: "-")[0].capitalized
            try Self.run(["git", "-C", repo, "-c", "user.name=\(who)", "-c", "user.email=\(who.lowercased())@example.com",
                          "-c", "gpg.program=gpg", "-c", "user.signingkey=\(key)",
                          "commit", "-q", "-S", "-m", "signed by \(name)"], environment: ["GNUPGHOME": home])
            let raw = try Self.run(["git", "-C", repo, "cat-file", "commit", "HEAD"])
            let seconds = try Self.run(["git", "-C", repo, "log", "-1", "--format=%ct"])
            let (signature, payload) = Self.split(String(decoding: raw, as: UTF8.self))
            let time = Date(timeIntervalSince1970: TimeInterval(String(decoding: seconds, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
            return SignedCommit(signature: Data(signature.utf8), payload: Data(payload.utf8), time: time)
        }
        byAlice = try commit(a, key: alice, "alice")
        // The trailing '!' makes gpg use exactly this subkey rather than pick one.
        byAliceSubkey = try commit(a, key: "\(aliceSubkey)!", "alice-subkey")
        byBob = try commit(b, key: bob, "bob")
        byMallory = try commit(m, key: mallory, "mallory")
        byEve = try commit(e, key: eve, "eve")
        byRita = try commit(r, key: rita, "rita")

        // Revoke Rita after she signed, with the certificate gpg wrote at key generation; its
        // armor line starts with ':' so that it cannot be imported by accident.
        let certificate = try String(contentsOfFile: "\(r)/openpgp-revocs.d/\(rita).rev", encoding: .utf8)
        try certificate.replacingOccurrences(of: ":-----BEGIN", with: "-----BEGIN").write(toFile: "\(root)/rita.rev", atomically: true, encoding: .utf8)
        try Self.gpg(r, ["--import", "\(root)/rita.rev"])

        trustedKeyring = try [(a, alice), (b, bob), (e, eve), (r, rita)].reduce(into: Data()) { keyring, signer in
            keyring += try Self.gpg(signer.0, ["--export", signer.1])
        }
        aliceArmored = try Self.gpg(a, ["--export", "--armor", alice])
        aliceSecret = try Self.gpg(a, ["--passphrase", "", "--export-secret-keys", alice])
    }

    /// Splits a raw commit into its `gpgsig` header value (continuation lines lose their one
    /// leading space) and the commit without that header: git_commit_extract_signature's split.
    static func split(_ raw: String) -> (signature: String, payload: String) {
        var signature: [Substring] = []
        var payload: [Substring] = []
        var inHeaders = true, inSignature = false
        for line in raw.split(separator: "\n", omittingEmptySubsequences: false) {
            if inHeaders {
                if inSignature, line.hasPrefix(" ") { signature.append(line.dropFirst()); continue }
                inSignature = false
                if line.hasPrefix("gpgsig ") { signature.append(line.dropFirst(7)); inSignature = true; continue }
                if line.isEmpty { inHeaders = false }
            }
            payload.append(line)
        }
        return (signature.joined(separator: "\n") + "\n", payload.joined(separator: "\n"))
    }

    /// `gpg --list-packets` of a signature: what it really holds, read by gpg itself.
    static func packets(_ signature: Data) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pgp-sig-\(UUID().uuidString)")
        try signature.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return String(decoding: try run(["gpg", "--list-packets", file.path]), as: UTF8.self)
    }

    /// The issuer fingerprints a signature names (its issuer-fingerprint subpackets).
    static func issuerFingerprints(_ signature: Data) throws -> [String] {
        try packets(signature).split(separator: "\n").compactMap { line in
            guard let range = line.range(of: "issuer fpr v4 ") else { return nil }
            return String(line[range.upperBound...].prefix(while: \.isHexDigit))
        }
    }

    /// gpg-agent or dirmngr processes started for a verifier's home (`…/pgpv.XXXXXX`).
    static func daemonsForVerifierHomes() -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.filter { $0.allSatisfy(\.isNumber) }.compactMap { pid in
            guard let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return nil }
            let argv = bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            // By program name: gpg's own command line says --disable-dirmngr.
            guard let program = argv.first?.split(separator: "/").last, ["gpg-agent", "dirmngr"].contains(program) else { return nil }
            return argv.contains(where: { $0.contains("/pgpv.") }) ? argv.joined(separator: " ") : nil
        }
    }

    /// The fingerprints in a home's keyring: the primary key's first, then its subkeys'.
    private static func fingerprints(_ home: String) throws -> [String] {
        let listing = String(decoding: try gpg(home, ["--with-colons", "--list-keys"]), as: UTF8.self)
        return listing.split(separator: "\n").filter { $0.hasPrefix("fpr:") }.map { String($0.split(separator: ":", omittingEmptySubsequences: false)[9]) }
    }

    @discardableResult
    private static func gpg(_ home: String, _ arguments: [String]) throws -> Data {
        try run(["gpg", "--batch", "--yes", "--quiet", "--homedir", home, "--pinentry-mode", "loopback"] + arguments)
    }

    /// Runs a command to completion; stdout and stderr go to temporary files rather than
    /// pipes, so a chatty child can never block on a full pipe while we wait for it.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Data {
        let dir = FileManager.default.temporaryDirectory
        let outPath = dir.appendingPathComponent("pgp-out-\(UUID().uuidString)").path
        let errPath = dir.appendingPathComponent("pgp-err-\(UUID().uuidString)").path
        defer { unlink(outPath); unlink(errPath) }
        let child = try ChildProcess("/usr/bin/env", arguments,
                                     environment: ["GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"].merging(environment) { $1 },
                                     stdout: outPath, stderr: errPath)
        let status = child.wait()
        guard status == 0 else {
            let stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            throw PGPFixtureError(command: arguments.joined(separator: " "), status: status, stderr: stderr)
        }
        return try Data(contentsOf: URL(fileURLWithPath: outPath))
    }
}

struct PGPFixtureError: Error, CustomStringConvertible {
    var command: String
    var status: Int32
    var stderr: String
    var description: String { "`\(command)` exited \(status): \(stderr)" }
}
