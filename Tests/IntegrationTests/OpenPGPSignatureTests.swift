import Foundation
import PromptOpsCore
import PromptOpsOpenPGP
import Testing

/// OpenPGP commit signatures, end to end: real keys made by gpg, real commits signed by git,
/// split the way libgit2's git_commit_extract_signature splits them, verified by GPGME.
@Suite struct OpenPGPSignatureTests {
    /// Trusts the binary keyring of Alice (ed25519 + a signing subkey), Bob (rsa3072), Eve
    /// (expired) and Rita (revoked). Made per test, not shared in a static: a static is never
    /// released, so its home directory would outlive the test run.
    let verifier: OpenPGPVerifier

    init() throws {
        verifier = try OpenPGPVerifier(trustedKeys: PGPFixture.shared.get().trustedKeyring)
    }

    private func check(_ commit: PGPFixture.SignedCommit, with other: OpenPGPVerifier? = nil) -> SignatureVerdict {
        (other ?? verifier).verify(signature: commit.signature, signedData: commit.payload, at: commit.time)
    }

    @Test func ed25519KeyInTheKeyringIsTrustedWithItsPrimaryUserID() throws {
        let f = try PGPFixture.shared.get()
        #expect(check(f.byAlice) == .trusted(SignerIdentity(mode: "openpgp", principal: "Alice <alice@example.com>", fingerprint: f.alice)))
        #expect(verifier.trustedFingerprints == [f.alice, f.bob, f.eve, f.rita])
    }

    @Test func rsaKeyInTheKeyringIsTrusted() throws {
        let f = try PGPFixture.shared.get()
        #expect(check(f.byBob) == .trusted(SignerIdentity(mode: "openpgp", principal: "Bob <bob@example.com>", fingerprint: f.bob)))
    }

    @Test func armoredKeyringTrustsOnlyItsOwnKeys() throws {
        let f = try PGPFixture.shared.get()
        let aliceOnly = try OpenPGPVerifier(trustedKeys: f.aliceArmored)
        #expect(aliceOnly.trustedFingerprints == [f.alice])
        #expect(check(f.byAlice, with: aliceOnly) == .trusted(SignerIdentity(mode: "openpgp", principal: "Alice <alice@example.com>", fingerprint: f.alice)))
        #expect(check(f.byBob, with: aliceOnly).rejection?.reason == .untrustedKey)
    }

    @Test func subkeySignatureNamesThePrimaryKey() throws {
        let f = try PGPFixture.shared.get()
        // The signature really is the subkey's: its issuer-fingerprint subpacket names it.
        #expect(f.aliceSubkey != f.alice)
        #expect(try PGPFixture.issuerFingerprints(f.byAliceSubkey.signature) == [f.aliceSubkey])
        #expect(check(f.byAliceSubkey) == .trusted(SignerIdentity(mode: "openpgp", principal: "Alice <alice@example.com>", fingerprint: f.alice)))
    }

    @Test func keyOutsideTheKeyringIsUntrustedAndNamed() throws {
        let f = try PGPFixture.shared.get()
        let rejection = try #require(check(f.byMallory).rejection)
        #expect(rejection.reason == .untrustedKey)
        #expect(rejection.fingerprint == f.mallory)
        #expect(rejection.message.contains(f.mallory))
        // Even though the signature embeds her key (subpacket 38, include-key-block).
        #expect(try PGPFixture.packets(f.byMallory.signature).contains("subpkt 38"))
    }

    @Test func contentAlteredAfterSigningIsABadSignature() throws {
        let f = try PGPFixture.shared.get()
        for (from, to) in [("signed by alice", "signed by eve!"), ("author Alice", "author Mallo")] {
            let text = String(decoding: f.byAlice.payload, as: UTF8.self)
            #expect(text.contains(from))
            let altered = PGPFixture.SignedCommit(signature: f.byAlice.signature, payload: Data(text.replacingOccurrences(of: from, with: to).utf8), time: f.byAlice.time)
            let rejection = try #require(check(altered).rejection)
            #expect(rejection.reason == .badSignature)
            #expect(rejection.fingerprint == f.alice)
        }
    }

    @Test func expiredKeyIsNotValid() throws {
        let f = try PGPFixture.shared.get()
        let rejection = try #require(check(f.byEve).rejection)
        #expect(rejection.reason == .keyNotValid)
        #expect(rejection.fingerprint == f.eve)
        #expect(rejection.message.contains("expired"))
    }

    @Test func revokedKeyIsNotValid() throws {
        let f = try PGPFixture.shared.get()
        let rejection = try #require(check(f.byRita).rejection)
        #expect(rejection.reason == .keyNotValid)
        #expect(rejection.fingerprint == f.rita)
        #expect(rejection.message.contains("revoked"))
    }

    @Test func garbageAndTruncatedSignaturesAreMalformed() throws {
        let f = try PGPFixture.shared.get()
        let good = String(decoding: f.byAlice.signature, as: UTF8.self)
        let lines = good.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let body = lines.filter { !$0.hasPrefix("-----") && !$0.isEmpty && !$0.hasPrefix("=") }
        var random = SystemRandomNumberGenerator()
        let noise = Data((0..<300).map { _ in UInt8.random(in: 0...255, using: &random) })
        let inputs: [(String, Data)] = [
            ("empty", Data()),
            ("blank", Data(" \n\n".utf8)),
            ("ssh", Data("-----BEGIN SSH SIGNATURE-----\nU1NIU0lHAAAAAQ==\n-----END SSH SIGNATURE-----\n".utf8)),
            ("binary noise", noise),
            ("armored noise", Data("-----BEGIN PGP SIGNATURE-----\n\n\(noise.base64EncodedString())\n-----END PGP SIGNATURE-----\n".utf8)),
            ("armored text", Data("-----BEGIN PGP SIGNATURE-----\n\nnot base64 at all !!\n-----END PGP SIGNATURE-----\n".utf8)),
            ("cut in half", Data(good.prefix(good.count / 2).utf8)),
            ("body lines dropped", Data((lines.prefix(2) + body.prefix(1) + lines.suffix(3)).joined(separator: "\n").utf8)),
            ("two blocks", Data((good + good).utf8)),
            ("a public key", f.aliceArmored),
        ]
        for (name, signature) in inputs {
            let verdict = verifier.verify(signature: signature, signedData: f.byAlice.payload, at: f.byAlice.time)
            #expect(verdict.rejection?.reason == .malformed, "\(name): \(verdict)")
        }
    }

    @Test func twoSignaturesInOneBlockAreMalformed() throws {
        let f = try PGPFixture.shared.get()
        // Alice's and Mallory's signature packets in one armored block: no "good enough" pick.
        let packets = try [f.byAlice, f.byMallory].map { commit in
            let lines = String(decoding: commit.signature, as: UTF8.self).split(separator: "\n")
            let base64 = lines.filter { !$0.hasPrefix("-----") && !$0.hasPrefix("=") }.joined()
            return try #require(Data(base64Encoded: base64))
        }
        let armored = "-----BEGIN PGP SIGNATURE-----\n\n\((packets[0] + packets[1]).base64EncodedString(options: .lineLength64Characters))\n-----END PGP SIGNATURE-----\n"
        let rejection = try #require(verifier.verify(signature: Data(armored.utf8), signedData: f.byAlice.payload, at: f.byAlice.time).rejection)
        #expect(rejection.reason == .malformed)
        #expect(rejection.message.contains("2 signatures"))
    }

    @Test func unusableKeyringsAreRefusedWithAReason() throws {
        let f = try PGPFixture.shared.get()
        #expect(throws: OpenPGPKeyringError.emptyKeyring) { try OpenPGPVerifier(trustedKeys: Data()) }
        #expect(throws: OpenPGPKeyringError.self) { try OpenPGPVerifier(trustedKeys: Data("not a keyring\n".utf8)) }
        #expect(throws: OpenPGPKeyringError.self) { try OpenPGPVerifier(trustedKeys: f.byAlice.signature) }
        let error = #expect(throws: OpenPGPKeyringError.self) { try OpenPGPVerifier(trustedKeys: f.aliceArmored.prefix(f.aliceArmored.count / 2)) }
        #expect(error.map { !String(describing: $0).isEmpty } ?? false)
        let secret = #expect(throws: OpenPGPKeyringError.self) { try OpenPGPVerifier(trustedKeys: f.aliceSecret) }
        #expect(secret.map { String(describing: $0).contains("secret keys") } ?? false, "\(String(describing: secret))")
        // Importing secret keys is the one import that wants a gpg-agent; none may be started.
        #expect(PGPFixture.daemonsForVerifierHomes().isEmpty)
    }

    @Test func concurrentVerifiesAgreeAndLeaveNoDaemon() throws {
        let f = try PGPFixture.shared.get()
        let commits = [f.byAlice, f.byBob, f.byMallory, f.byAliceSubkey]
        let expected = commits.map { check($0) }
        let verifier = self.verifier
        let results = PGPResults(count: 16)
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let c = commits[i % commits.count]
            results.set(i, verifier.verify(signature: c.signature, signedData: c.payload, at: c.time))
        }
        #expect(results.all == (0..<16).map { Optional(expected[$0 % commits.count]) })
        // gpg.conf says no-autostart: no gpg-agent or dirmngr may exist for a verifier home.
        #expect(PGPFixture.daemonsForVerifierHomes().isEmpty)
    }
}

extension SignatureVerdict {
    fileprivate var rejection: SignatureRejection? {
        if case .rejected(let r) = self { return r }
        return nil
    }
}

/// A lock-guarded results array for the concurrentPerform test.
private final class PGPResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [SignatureVerdict?]
    init(count: Int) { values = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: SignatureVerdict) { lock.withLock { values[i] = v } }
    var all: [SignatureVerdict?] { lock.withLock { values } }
}
