import Crypto
import Foundation
import PromptOpsTestSupport
import Testing
@testable import PromptOpsCore

// Real keys, signatures and signed commits made by ssh-keygen and git, checked by the
// pure-Swift verifier; where it matters, git's own verdict is asked too, so the two agree.

/// Runs a tool (``ChildProcess``: no inherited descriptors, output through files, bounded).
@discardableResult
private func run(_ tool: String, _ arguments: [String], in directory: URL? = nil, input: Data? = nil) throws -> (status: Int32, out: String, err: String) {
    let inPath = FileManager.default.temporaryDirectory.appendingPathComponent("sshsig-in-\(UUID().uuidString)").path
    try (input ?? Data()).write(to: URL(fileURLWithPath: inPath))
    defer { try? FileManager.default.removeItem(atPath: inPath) }
    // Keep the developer's git configuration out of the fixtures.
    return try ChildProcess.run("/usr/bin/env", [tool] + arguments,
                                environment: ["GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"],
                                directory: directory?.path, stdin: inPath)
}

/// Keys made once per test run (RSA generation is slow) in a private temp directory.
struct SSHTestKeys: Sendable {
    enum Kind: String, Sendable, CaseIterable, CustomTestStringConvertible {
        case ed25519, ecdsa256, ecdsa384, ecdsa521, rsa3072
        var keygenArguments: [String] {
            switch self {
            case .ed25519: return ["-t", "ed25519"]
            case .ecdsa256: return ["-t", "ecdsa", "-b", "256"]
            case .ecdsa384: return ["-t", "ecdsa", "-b", "384"]
            case .ecdsa521: return ["-t", "ecdsa", "-b", "521"]
            case .rsa3072: return ["-t", "rsa", "-b", "3072"]
            }
        }
        var testDescription: String { rawValue }
    }

    let directory: URL

    static let shared: SSHTestKeys = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sshsig-keys-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for key in Kind.allCases.map(SSHTestKeyName.init) + [SSHTestKeyName.ed25519Other] {
            let path = directory.appendingPathComponent(key.fileName).path
            let result = try! run("ssh-keygen", ["-q"] + key.base.keygenArguments + ["-N", "", "-C", "\(key.fileName)@example.com", "-f", path])
            precondition(result.status == 0, result.err)
        }
        return SSHTestKeys(directory: directory)
    }()

    func privatePath(_ key: SSHTestKeyName) -> String { directory.appendingPathComponent(key.fileName).path }
    func publicLine(_ key: SSHTestKeyName) throws -> String {
        try String(contentsOfFile: privatePath(key) + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What `ssh-keygen -lf` prints as the fingerprint: the reference for ours.
    func keygenFingerprint(_ key: SSHTestKeyName) throws -> String {
        let result = try run("ssh-keygen", ["-lf", privatePath(key) + ".pub"])
        return String(result.out.split(separator: " ")[1])
    }

    /// `ssh-keygen -Y sign -n <namespace>` over `data`; returns the armored signature.
    func sign(_ data: Data, with key: SSHTestKeyName, namespace: String = "git", extra: [String] = []) throws -> String {
        let file = directory.appendingPathComponent("msg-\(UUID().uuidString)")
        try data.write(to: file)
        let result = try run("ssh-keygen", ["-Y", "sign", "-n", namespace, "-f", privatePath(key)] + extra + [file.path])
        #expect(result.status == 0, "\(result.err)")
        return try String(contentsOfFile: file.path + ".sig", encoding: .utf8)
    }
}

/// A key file: one per kind, plus a second ed25519 key that is never trusted.
struct SSHTestKeyName: Sendable, Hashable {
    let base: SSHTestKeys.Kind
    let fileName: String
    init(_ base: SSHTestKeys.Kind) { self.base = base; self.fileName = base.rawValue }
    private init(other base: SSHTestKeys.Kind) { self.base = base; self.fileName = "\(base.rawValue)-other" }
    static let ed25519Other = SSHTestKeyName(other: .ed25519)
}

/// A signed commit split the way libgit2's `git_commit_extract_signature` splits it: the
/// `gpgsig` header's value (continuation lines unfolded) and the commit without that header.
private struct SignedCommit {
    var signature: String
    var payload: Data
    var committedAt: Date
    var repository: URL

    static func make(with key: SSHTestKeyName, message: String = "add prompt") throws -> SignedCommit {
        let repository = FileManager.default.temporaryDirectory.appendingPathComponent("sshsig-repo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: repository, withIntermediateDirectories: true)
        try run("git", ["init", "-q"], in: repository)
        try "hello: world\n".write(to: repository.appendingPathComponent("prompt.yaml"), atomically: true, encoding: .utf8)
        try run("git", ["add", "prompt.yaml"], in: repository)
        let committed = try run("git", [
            "-c", "user.name=Alice", "-c", "user.email=alice@example.com", "-c", "gpg.format=ssh",
            "-c", "user.signingkey=\(SSHTestKeys.shared.privatePath(key))", "commit", "-q", "-S", "-m", message,
        ], in: repository)
        #expect(committed.status == 0, "\(committed.err)")
        let raw = try run("git", ["cat-file", "commit", "HEAD"], in: repository).out
        return try split(raw, repository: repository)
    }

    static func split(_ raw: String, repository: URL) throws -> SignedCommit {
        let headerEnd = try #require(raw.range(of: "\n\n"))
        var kept: [Substring] = []
        var signature: String?
        var committedAt: Date?
        var inSignature = false
        for line in raw[..<headerEnd.lowerBound].split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("gpgsig ") {
                signature = String(line.dropFirst("gpgsig ".count))
                inSignature = true
            } else if inSignature, line.hasPrefix(" ") {
                signature! += "\n" + line.dropFirst()  // continuation line: drop the one space
            } else {
                inSignature = false
                if line.hasPrefix("committer ") {
                    let fields = line.split(separator: " ")
                    committedAt = Date(timeIntervalSince1970: try #require(TimeInterval(fields[fields.count - 2])))
                }
                kept.append(line)
            }
        }
        let payload = kept.joined(separator: "\n") + raw[headerEnd.lowerBound...]
        return SignedCommit(signature: try #require(signature), payload: Data(payload.utf8),
                            committedAt: try #require(committedAt), repository: repository)
    }
}

private func allowed(_ lines: String...) throws -> AllowedSigners {
    try AllowedSigners.parse(lines.joined(separator: "\n"), timeZone: TimeZone(identifier: "UTC")!)
}

private func rejection(_ verdict: SignatureVerdict) -> SignatureRejection? {
    if case let .rejected(rejection) = verdict { return rejection }
    return nil
}

private let message = Data("apiVersion: promptops/v1\nkind: Prompt\n".utf8)

@Suite("SSH commit signatures")
struct SSHSignatureTests {
    @Test("each key type verifies and is named by ssh-keygen's fingerprint", arguments: SSHTestKeys.Kind.allCases)
    func eachKeyTypeVerifies(kind: SSHTestKeys.Kind) throws {
        let key = SSHTestKeyName(kind)
        let signers = try allowed("# team", "", "ops@example.com,\(kind)@example.com \(try SSHTestKeys.shared.publicLine(key))")
        let signature = try SSHTestKeys.shared.sign(message, with: key)
        let verdict = signers.verify(commitSignature: signature, signedData: message, at: Date())
        #expect(verdict == .trusted(SignerIdentity(mode: "ssh", principal: "ops@example.com", fingerprint: try SSHTestKeys.shared.keygenFingerprint(key))))
        #expect(try SSHPublicKey(openSSHText: try SSHTestKeys.shared.publicLine(key)).fingerprint == (try SSHTestKeys.shared.keygenFingerprint(key)))
    }

    @Test("sha256 as the SSHSIG message hash verifies too")
    func sha256MessageHash() throws {
        let key = SSHTestKeyName(.ed25519)
        let signature = try SSHTestKeys.shared.sign(message, with: key, extra: ["-O", "hashalg=sha256"])
        #expect(try SSHSignature(armored: signature).hashAlgorithm == .sha256)
        let signers = try allowed("a@example.com \(try SSHTestKeys.shared.publicLine(key))")
        guard case .trusted = signers.verify(commitSignature: signature, signedData: message, at: Date()) else {
            Issue.record("sha256 signature was not trusted"); return
        }
    }

    @Test("real signed git commits verify, and git agrees", arguments: [SSHTestKeys.Kind.ed25519, .ecdsa256, .rsa3072])
    func signedCommits(kind: SSHTestKeys.Kind) throws {
        let key = SSHTestKeyName(kind)
        let commit = try SignedCommit.make(with: key)
        defer { try? FileManager.default.removeItem(at: commit.repository) }
        let line = "alice@example.com \(try SSHTestKeys.shared.publicLine(key))"
        let verdict = try allowed(line).verify(commitSignature: commit.signature, signedData: commit.payload, at: commit.committedAt)
        #expect(verdict == .trusted(SignerIdentity(mode: "ssh", principal: "alice@example.com", fingerprint: try SSHTestKeys.shared.keygenFingerprint(key))))

        let allowedFile = commit.repository.appendingPathComponent("allowed_signers")
        try (line + "\n").write(to: allowedFile, atomically: true, encoding: .utf8)
        let git = try run("git", ["-c", "gpg.ssh.allowedSignersFile=\(allowedFile.path)", "verify-commit", "HEAD"], in: commit.repository)
        #expect(git.status == 0, "\(git.err)")
    }

    @Test("a key not in allowed_signers is untrustedKey, named by its fingerprint")
    func unknownKey() throws {
        let signers = try allowed("alice@example.com \(try SSHTestKeys.shared.publicLine(SSHTestKeyName(.ed25519)))")
        let commit = try SignedCommit.make(with: .ed25519Other)
        defer { try? FileManager.default.removeItem(at: commit.repository) }
        let verdict = signers.verify(commitSignature: commit.signature, signedData: commit.payload, at: commit.committedAt)
        let rejected = try #require(rejection(verdict))
        #expect(rejected.reason == .untrustedKey)
        #expect(rejected.fingerprint == (try SSHTestKeys.shared.keygenFingerprint(.ed25519Other)))
    }

    @Test("content altered after signing is badSignature", arguments: [SSHTestKeys.Kind.ed25519, .ecdsa256, .rsa3072])
    func alteredContent(kind: SSHTestKeys.Kind) throws {
        let key = SSHTestKeyName(kind)
        let commit = try SignedCommit.make(with: key, message: "rollout 10%")
        defer { try? FileManager.default.removeItem(at: commit.repository) }
        let signers = try allowed("alice@example.com \(try SSHTestKeys.shared.publicLine(key))")
        let tampered = Data(String(decoding: commit.payload, as: UTF8.self).replacingOccurrences(of: "rollout 10%", with: "rollout 100%").utf8)
        let verdict = signers.verify(commitSignature: commit.signature, signedData: tampered, at: commit.committedAt)
        #expect(rejection(verdict)?.reason == .badSignature)
        #expect(rejection(verdict)?.fingerprint == (try SSHTestKeys.shared.keygenFingerprint(key)))
    }

    @Test("a signature made for another namespace is rejected, even with the field rewritten")
    func wrongNamespace() throws {
        let key = SSHTestKeyName(.ed25519)
        let signers = try allowed("alice@example.com \(try SSHTestKeys.shared.publicLine(key))")
        let fileSignature = try SSHTestKeys.shared.sign(message, with: key, namespace: "file")
        let verdict = signers.verify(commitSignature: fileSignature, signedData: message, at: Date())
        #expect(rejection(verdict)?.reason == .badSignature)
        #expect(rejection(verdict)?.message.contains("\"file\"") == true)

        // Rewrite the namespace field "file" to "git": the maths must now fail instead.
        let parsed = try SSHSignature(armored: fileSignature)
        var blob = SSHWireWriter()
        blob.appendRaw(Array("SSHSIG".utf8)); blob.appendUInt32(1); blob.appendString(Array(parsed.publicKey.blob))
        blob.appendString("git"); blob.appendString([UInt8]()); blob.appendString(parsed.hashAlgorithm.rawValue)
        blob.appendString(Array(parsed.signatureBlob))
        let forged = "\(SSHSignature.armorBegin)\n\(Data(blob.bytes).base64EncodedString())\n\(SSHSignature.armorEnd)\n"
        #expect(rejection(signers.verify(commitSignature: forged, signedData: message, at: Date()))?.reason == .badSignature)
    }

    @Test("namespaces option: git must be included by the pattern-list")
    func namespacesOption() throws {
        let key = SSHTestKeyName(.ecdsa256)
        let pub = try SSHTestKeys.shared.publicLine(key)
        let signature = try SSHTestKeys.shared.sign(message, with: key)
        for (option, trusted) in [("namespaces=\"file\"", false), ("namespaces=\"file,git\"", true), ("NAMESPACES=\"g?t\"", true),
                                  ("namespaces=\"*,!git\"", false), ("namespaces=\"\"", false)] {
            let verdict = try allowed("alice@example.com \(option) \(pub)").verify(commitSignature: signature, signedData: message, at: Date())
            if trusted {
                #expect(rejection(verdict) == nil, "\(option)")
            } else {
                #expect(rejection(verdict)?.reason == .keyNotValid, "\(option)")
            }
        }
    }

    @Test("valid-after / valid-before bound the commit time, inclusively")
    func validity() throws {
        let key = SSHTestKeyName(.ed25519)
        let pub = try SSHTestKeys.shared.publicLine(key)
        let commit = try SignedCommit.make(with: key)
        defer { try? FileManager.default.removeItem(at: commit.repository) }
        func verdict(_ options: String, at time: Date? = nil) throws -> SignatureVerdict {
            try allowed("alice@example.com \(options) \(pub)").verify(commitSignature: commit.signature, signedData: commit.payload, at: time ?? commit.committedAt)
        }
        #expect(rejection(try verdict("valid-before=\"20200101Z\""))?.reason == .keyNotValid)
        #expect(rejection(try verdict("valid-before=\"20200101Z\""))?.message.contains("expired") == true)
        #expect(rejection(try verdict("valid-after=\"29990101\""))?.reason == .keyNotValid)
        #expect(rejection(try verdict("valid-after=\"20200101\",valid-before=\"299912312359Z\"")) == nil)
        let exact = try #require(AllowedSignersLineParser.parseTimestamp("20300615120000Z", timeZone: .current))
        #expect(rejection(try verdict("valid-before=\"20300615120000Z\"", at: exact)) == nil)
        #expect(rejection(try verdict("valid-after=\"20300615120000Z\"", at: exact)) == nil)
        #expect(rejection(try verdict("valid-before=\"20300615120000Z\"", at: exact.addingTimeInterval(1)))?.reason == .keyNotValid)
        // A second line for the same key that is still valid wins; the principal is its own.
        let two = try allowed("old@example.com valid-before=\"20200101Z\" \(pub)", "new@example.com \(pub)")
        #expect(two.verify(commitSignature: commit.signature, signedData: commit.payload, at: commit.committedAt)
            == .trusted(SignerIdentity(mode: "ssh", principal: "new@example.com", fingerprint: try SSHTestKeys.shared.keygenFingerprint(key))))
    }

    @Test("OpenPGP signatures and unsigned commits are named as such")
    func otherModes() throws {
        let signers = try allowed("alice@example.com \(try SSHTestKeys.shared.publicLine(SSHTestKeyName(.ed25519)))")
        let pgp = "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n=abcd\n-----END PGP SIGNATURE-----"
        let verdict = signers.verify(commitSignature: pgp, signedData: message, at: Date())
        #expect(rejection(verdict)?.reason == .malformed)
        #expect(rejection(verdict)?.message.contains("OpenPGP") == true)
        #expect(rejection(signers.verify(commitSignature: "  \n", signedData: message, at: Date()))?.reason == .unsigned)
    }

    // openssl ships with ca-certificates on Debian; the guard only names the dependency.
    @Test("RSA signatures with SHA-1 (ssh-rsa) are refused; rsa-sha2-256 is accepted",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs the openssl command"))
    func rsaSignatureAlgorithms() throws {
        // ssh-keygen only writes rsa-sha2-512 into SSHSIG, so the other two are made with
        // openssl from a PEM copy of an ssh-keygen RSA key and wrapped by hand.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sshsig-rsa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyPath = directory.appendingPathComponent("robot").path
        #expect(try run("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-C", "robot", "-f", keyPath]).status == 0)
        let publicLine = try String(contentsOfFile: keyPath + ".pub", encoding: .utf8)
        let signers = try allowed("robot@example.com \(publicLine)")
        let publicKey = try SSHPublicKey(openSSHText: publicLine)

        var signed = SSHWireWriter()
        signed.appendRaw(Array("SSHSIG".utf8)); signed.appendString("git"); signed.appendString([UInt8]())
        signed.appendString("sha512"); signed.appendString(Array(SHA512.hash(data: message)))
        let signedFile = directory.appendingPathComponent("signed")
        try Data(signed.bytes).write(to: signedFile)

        func armored(_ algorithm: String, digest: String) throws -> String {
            let rawFile = directory.appendingPathComponent("raw-\(digest)")
            let made = try run("openssl", ["dgst", "-\(digest)", "-sign", keyPath, "-out", rawFile.path, signedFile.path])
            #expect(made.status == 0, "\(made.err)")
            var sig = SSHWireWriter()
            sig.appendString(algorithm); sig.appendString(Array(try Data(contentsOf: rawFile)))
            var blob = SSHWireWriter()
            blob.appendRaw(Array("SSHSIG".utf8)); blob.appendUInt32(1); blob.appendString(Array(publicKey.blob))
            blob.appendString("git"); blob.appendString([UInt8]()); blob.appendString("sha512"); blob.appendString(sig.bytes)
            return "\(SSHSignature.armorBegin)\n\(Data(blob.bytes).base64EncodedString())\n\(SSHSignature.armorEnd)"
        }
        let sha1 = signers.verify(commitSignature: try armored("ssh-rsa", digest: "sha1"), signedData: message, at: Date())
        #expect(rejection(sha1)?.reason == .malformed)
        #expect(rejection(sha1)?.message.contains("SHA-1") == true)
        #expect(rejection(signers.verify(commitSignature: try armored("rsa-sha2-256", digest: "sha256"), signedData: message, at: Date())) == nil)
        // The right maths under the wrong name is still wrong.
        #expect(rejection(signers.verify(commitSignature: try armored("rsa-sha2-512", digest: "sha256"), signedData: message, at: Date()))?.reason == .badSignature)
    }

    @Test("RSA keys under 2048 bits: the line is skipped, the signature refused with its fingerprint")
    func smallRSA() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sshsig-rsa1024-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyPath = directory.appendingPathComponent("weak").path
        #expect(try run("ssh-keygen", ["-q", "-t", "rsa", "-b", "1024", "-N", "", "-f", keyPath]).status == 0)
        let signers = try allowed("weak@example.com \(try String(contentsOfFile: keyPath + ".pub", encoding: .utf8))")
        #expect(signers.entries.isEmpty)
        #expect(signers.diagnostics.first?.message.contains("1024 bits") == true)
        let file = directory.appendingPathComponent("msg")
        try message.write(to: file)
        #expect(try run("ssh-keygen", ["-Y", "sign", "-n", "git", "-f", keyPath, file.path]).status == 0)
        let verdict = signers.verify(commitSignature: try String(contentsOfFile: file.path + ".sig", encoding: .utf8), signedData: message, at: Date())
        #expect(rejection(verdict)?.reason == .malformed)
        let keygen = try run("ssh-keygen", ["-lf", keyPath + ".pub"]).out.split(separator: " ")[1]
        #expect(rejection(verdict)?.fingerprint == String(keygen))
    }

    @Test("armor as a gpgsig header may arrive: indented, CRLF, no final newline")
    func armorForms() throws {
        let key = SSHTestKeyName(.ed25519)
        let armored = try SSHTestKeys.shared.sign(message, with: key)
        let signers = try allowed("a@example.com \(try SSHTestKeys.shared.publicLine(key))")
        let lines = armored.split(separator: "\n")
        for form in [lines.joined(separator: "\n"), lines.joined(separator: "\r\n") + "\r\n", lines.map { " " + $0 }.joined(separator: "\n")] {
            #expect(rejection(signers.verify(commitSignature: form, signedData: message, at: Date())) == nil, "\(form.debugDescription)")
        }
    }

    @Test("key equality and fingerprints use the canonical blob")
    func canonicalKeys() throws {
        let line = try SSHTestKeys.shared.publicLine(SSHTestKeyName(.rsa3072))
        let key = try SSHPublicKey(openSSHText: line)
        var reader = SSHWireReader(key.blob)
        _ = try reader.readText()
        let e = try reader.readMPInt(maxBytes: 8), n = try reader.readMPInt(maxBytes: 2048)
        var padded = SSHWireWriter()
        padded.appendString("ssh-rsa"); padded.appendString([0, 0] + e); padded.appendString([0] + n)
        let same = try SSHPublicKey(blob: padded.bytes)
        #expect(same == key)
        #expect(same.fingerprint == (try SSHTestKeys.shared.keygenFingerprint(SSHTestKeyName(.rsa3072))))
        #expect(Set([same, key]).count == 1)
        #expect(key.description.hasPrefix("ssh-rsa SHA256:"))
    }

    @Test("truncated, bit-flipped and garbage signatures never crash nor verify", arguments: SSHTestKeys.Kind.allCases)
    func hostileSignatures(kind: SSHTestKeys.Kind) throws {
        let key = SSHTestKeyName(kind)
        let signers = try allowed("alice@example.com \(try SSHTestKeys.shared.publicLine(key))")
        let armored = try SSHTestKeys.shared.sign(message, with: key)
        let blob = try #require(Data(base64Encoded: armored.split(separator: "\n").dropFirst().dropLast().joined()))
        var random = SplitMix64(seed: 0x5EED + UInt64(kind.rawValue.utf8.count))
        func rearmor(_ bytes: Data) -> String { "\(SSHSignature.armorBegin)\n\(bytes.base64EncodedString())\n\(SSHSignature.armorEnd)" }
        for _ in 0 ..< 300 {
            // Armored text cut anywhere: whatever the verdict, no trap.
            let cut = Int(random.next() % UInt64(armored.utf8.count))
            _ = signers.verify(commitSignature: String(decoding: Array(armored.utf8)[..<cut], as: UTF8.self), signedData: message, at: Date())
            // Blob cut short: never trusted.
            let short = blob.prefix(Int(random.next() % UInt64(blob.count)))
            #expect(rejection(signers.verify(commitSignature: rearmor(short), signedData: message, at: Date())) != nil)
            // One to three bits flipped: never trusted.
            var flipped = blob
            for _ in 0 ... random.next() % 3 {
                let bit = Int(random.next() % UInt64(blob.count * 8))
                flipped[flipped.startIndex + bit / 8] ^= UInt8(1 << (bit % 8))
            }
            #expect(rejection(signers.verify(commitSignature: rearmor(flipped), signedData: message, at: Date())) != nil)
            // Random garbage, with and without the magic in front.
            let garbage = Data((0 ..< Int(random.next() % 200)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
            #expect(rejection(signers.verify(commitSignature: rearmor(garbage), signedData: message, at: Date())) != nil)
            #expect(rejection(signers.verify(commitSignature: rearmor(Data("SSHSIG".utf8) + garbage), signedData: message, at: Date())) != nil)
        }
    }

    @Test("the wire reader refuses hostile lengths as values")
    func wireReader() throws {
        var huge = SSHWireReader([0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3])
        #expect(throws: SSHWireError.truncated(needed: 0xFFFF_FFFF, remaining: 3)) { try huge.readString() }
        #expect(huge.offset == 0)
        var short = SSHWireReader([0, 0])
        #expect(throws: SSHWireError.self) { try short.readUInt32() }
        var negative = SSHWireReader([0, 0, 0, 1, 0x80])
        #expect(throws: SSHWireError.negativeInteger) { try negative.readMPInt(maxBytes: 8) }
        var padded = SSHWireReader([0, 0, 0, 3, 0, 0, 0x7F])
        #expect(try padded.readMPInt(maxBytes: 1) == [0x7F])
        var big = SSHWireReader([0, 0, 0, 3, 1, 2, 3])
        #expect(throws: SSHWireError.integerTooLarge(bytes: 3, limit: 2)) { try big.readMPInt(maxBytes: 2) }
        var nul = SSHWireReader([0, 0, 0, 4, 0x67, 0x69, 0x74, 0])
        #expect(throws: SSHWireError.invalidText) { try nul.readText() }
        #expect(throws: SSHWireError.trailingBytes(count: 1)) { try SSHWireReader([1]).expectEnd() }
        #expect(throws: SSHKeyError.self) { try SSHPublicKey(blob: [0, 0, 0, 11] + Array("ssh-ed25519".utf8) + [0, 0, 0, 32]) }
    }
}

@Suite("allowed_signers parsing")
struct AllowedSignersParsingTests {
    private static let ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJCrEJhcmhinN0R94+J1sf7jqe05ko2Njgz8uPwalp5r"

    private func parseError(_ text: String) -> AllowedSigners.ParseError? {
        do { _ = try AllowedSigners.parse(text, timeZone: TimeZone(identifier: "UTC")!); return nil } catch { return error }
    }

    @Test("errors carry 1-based line and column of the offending token")
    func locatedErrors() throws {
        let cases: [(String, Int, Int, String)] = [
            ("# comment\n\nalice@example.com valid-before=20200101 \(Self.ed)", 3, 32, "double quotes"),
            ("alice@example.com foo=\"bar\" \(Self.ed)", 1, 19, "unknown option"),
            ("alice@example.com ssh-foo AAAAC3Nz", 1, 19, "ssh-foo"),
            ("alice@example.com ssh-ed25519 AAAA!!!", 1, 31, "base64"),
            ("alice@example.com", 1, 18, "missing key"),
            ("alice@example.com ssh-ed25519", 1, 30, "missing base64"),
            ("alice@example.com ssh-rsa \(Self.ed.split(separator: " ")[1])", 1, 19, "does not match"),
            ("  bob@example.com valid-after=\"20300101\",valid-before=\"20200101\" \(Self.ed)", 1, 19, "not later"),
            ("bob@example.com valid-after=\"2030-01-01\" \(Self.ed)", 1, 17, "YYYYMMDD"),
            ("bob@example.com namespaces=\"git \(Self.ed)", 1, 28, "closing quote"),
            ("bob@example.com namespaces=\"git\", \(Self.ed)", 1, 34, "ends with a comma"),
            ("bob@example.com namespaces=\"git\",namespaces=\"file\" \(Self.ed)", 1, 34, "twice"),
            ("\"bob smith@example.com \(Self.ed)", 1, 1, "closing quote"),
            ("ok@example.com \(Self.ed)\r\nbad@example.com cert-authorityX \(Self.ed)\r\n", 2, 17, "unknown option"),
        ]
        for (text, line, column, fragment) in cases {
            let error = try #require(parseError(text), "\(text)")
            #expect(error.line == line && error.column == column, "\(error) for \(text)")
            #expect(error.message.contains(fragment), "\(error)")
            #expect(error.description.hasPrefix("\(line):\(column): "))
        }
    }

    @Test("messages quote at most a shortened token, never the whole key")
    func boundedMessages() throws {
        let longKey = String(repeating: "QUFB", count: 200) + "!"
        let error = try #require(parseError("alice@example.com ssh-ed25519 \(longKey)"))
        #expect(!error.message.contains(longKey.prefix(60)))
        let option = String(repeating: "x", count: 500)
        let optionError = try #require(parseError("alice@example.com \(option) \(Self.ed)"))
        #expect(optionError.message.count < 120)
    }

    @Test("comments, quoted principals, options and unsupported lines")
    func acceptedForms() throws {
        let text = """
        # trusted committers
           \t
        alice@example.com,*@ops.example.com namespaces="git",valid-after="20240101" \(Self.ed) alice laptop
        "carol smith@example.com" \(Self.ed)
        ca@example.com cert-authority \(Self.ed)
        fido@example.com sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIA==
        """
        let signers = try AllowedSigners.parse(text, timeZone: TimeZone(identifier: "UTC")!)
        #expect(signers.entries.map(\.line) == [3, 4])
        #expect(signers.entries[0].principals == ["alice@example.com", "*@ops.example.com"])
        #expect(signers.entries[0].namespaces == "git")
        #expect(signers.entries[0].validAfter == Date(timeIntervalSince1970: 1_704_067_200))
        #expect(signers.entries[1].principals == ["carol smith@example.com"])
        #expect(signers.diagnostics.map(\.line) == [5, 6])
        #expect(signers.diagnostics[0].message.contains("cert-authority"))
        #expect(signers.diagnostics[1].message.contains("not supported"))
    }

    @Test("timestamps: the formats ssh-keygen accepts, and no others")
    func timestamps() {
        let utc = TimeZone(identifier: "UTC")!
        let parse = { (text: String) in AllowedSignersLineParser.parseTimestamp(text, timeZone: utc)?.timeIntervalSince1970 }
        #expect(parse("20240101") == 1_704_067_200)
        #expect(parse("20240101Z") == 1_704_067_200)
        #expect(parse("20240101utc") == 1_704_067_200)
        #expect(parse("202401011230") == 1_704_112_200)
        #expect(parse("20240101123045Z") == 1_704_112_245)
        let plusTwo = TimeZone(secondsFromGMT: 7200)!
        #expect(AllowedSignersLineParser.parseTimestamp("20240101", timeZone: plusTwo)?.timeIntervalSince1970 == 1_704_060_000)
        for bad in ["2024010", "20240231", "20241301", "202401012460", "abcdefgh", "Z", "19700101Z", "2024-01-01", "+2024010"] {
            #expect(parse(bad) == nil, "\(bad)")
        }
    }

    @Test("pattern-lists follow match_pattern_list")
    func patternLists() {
        #expect(SSHPatternList.match("git", against: "git") == .included)
        #expect(SSHPatternList.match("git", against: "file,g*") == .included)
        #expect(SSHPatternList.match("git", against: "g?t") == .included)
        #expect(SSHPatternList.match("git", against: "*,!git") == .excluded)
        #expect(SSHPatternList.match("git", against: "file") == .none)
        #expect(SSHPatternList.match("git", against: "") == .none)
        #expect(SSHPatternList.match("git", against: "Git") == .none)
        #expect(SSHPatternList.match(String(repeating: "a", count: 60), against: "*a*a*a*a*a*a*a*a*b") == .none)
    }
}

/// A tiny deterministic generator so a failing fuzz case is reproducible.
private struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
