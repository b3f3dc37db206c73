import CGPGME
import Foundation
import PromptOpsCore

/// Verifies git commits' OpenPGP signatures against a fixed set of trusted public keys.
///
/// Trust model: a key is trusted if and only if it is in the keyring given to `init`. The
/// keys are imported into a private GnuPG home that holds nothing else, so "gpg knows the key"
/// and "the key is trusted" are the same statement. GnuPG's web-of-trust validity is not
/// consulted (nothing there is ultimately trusted, so it would always say "unknown").
///
/// Blocking: `init`, `verify` and `deinit` spawn gpg (through GPGME) and wait for it, for
/// milliseconds to tens of milliseconds. Call them off Swift's cooperative thread pool (a
/// dedicated thread or DispatchQueue), never directly from an async task's executor.
///
/// Thread safety (why `Sendable` holds without a lock): the stored properties are immutable.
/// Each `verify` creates its own GPGME context, uses it only on the calling thread, and
/// releases it before returning; GPGME supports concurrent contexts once
/// `gpgme_check_version` has run, which a thread-safe lazy static guarantees. The home is
/// written only during `init`: afterwards gpg only reads it, since gpg.conf sets
/// `trust-model always` (no trustdb rebuilds), forbids key fetching and key auto-import,
/// and gpg serialises any keyring write with its own lock files anyway.
public final class OpenPGPVerifier: Sendable {
    /// The primary-key fingerprints of the trusted keys (upper-case hex), in import order.
    public let trustedFingerprints: [String]

    private let home: GnuPGHome

    /// Imports `trustedKeys` — a keyring file's bytes, binary (`gpg --export`) or
    /// ASCII-armored (`gpg --export --armor`), one or more public keys — into a private home.
    ///
    /// Throws ``OpenPGPKeyringError`` when the bytes hold no key, when gpg rejects any key in
    /// them (a partly imported trust list would silently reject some signers), or when
    /// GPGME/gpg is unavailable. Blocks while gpg runs.
    public init(trustedKeys: Data) throws {
        let home = try GnuPGHome()
        let context: GPGMEContext
        do {
            context = try GPGMEContext(home: home.path)
        } catch let error as GPGMEFailure {
            throw OpenPGPKeyringError.gpgmeUnavailable(error.description)
        }
        let summary: GPGMEImport
        do {
            summary = try context.importKeys(trustedKeys)
        } catch let error as GPGMEFailure {
            // GPG_ERR_NO_DATA: gpg found no OpenPGP packets at all (empty or not a keyring).
            if gpgme_err_code(error.code) == GPG_ERR_NO_DATA { throw OpenPGPKeyringError.emptyKeyring }
            throw OpenPGPKeyringError.importFailed(error.description)
        }
        if summary.secretKeysRead > 0 {
            throw OpenPGPKeyringError.importFailed("the file holds secret keys; export only public keys (gpg --export, not --export-secret-keys)")
        }
        if summary.notImported > 0 || !summary.failures.isEmpty {
            let detail = summary.failures.isEmpty ? "\(summary.notImported) key(s) rejected" : summary.failures.joined(separator: "; ")
            throw OpenPGPKeyringError.importFailed(detail)
        }
        guard summary.considered > 0, !summary.fingerprints.isEmpty else { throw OpenPGPKeyringError.emptyKeyring }
        self.home = home
        self.trustedFingerprints = summary.fingerprints
    }

    /// Verifies `signature` (a commit's `gpgsig` header, ASCII-armored, detached) over
    /// `signedData` (the commit object without that header), as
    /// `git_commit_extract_signature` splits them.
    ///
    /// Never throws: every failure is a rejection. Expiry and revocation are judged by gpg at
    /// the current time (a signature cannot prove when it was made: its timestamp and the
    /// commit date are both the signer's word); `commitTime` only makes the message say
    /// whether the key expired before or after the commit. Blocks while gpg runs.
    public func verify(signature: Data, signedData: Data, at commitTime: Date) -> SignatureVerdict {
        if let rejection = SignatureArmor.rejection(for: signature) { return .rejected(rejection) }
        do {
            let context = try GPGMEContext(home: home.path)
            let signatures = try context.verifyDetached(signature: signature, signedData: signedData)
            guard signatures.count == 1, let only = signatures.first else {
                // git writes exactly one; several would need a policy for mixed results.
                return Self.reject(.malformed, nil, "the OpenPGP signature block holds \(signatures.count) signatures; exactly one is expected")
            }
            return try verdict(for: only, context: context, commitTime: commitTime)
        } catch let error as GPGMEFailure {
            return Self.reject(.malformed, nil, "the OpenPGP signature could not be read (\(error))")
        } catch {
            // The verdict type has no "could not verify" reason; fail closed with the cause.
            return Self.reject(.malformed, nil, "the OpenPGP signature could not be verified: \(error)")
        }
    }

    /// Maps one signature's GPGME status to a verdict.
    private func verdict(for sig: GPGMESignature, context: GPGMEContext, commitTime: Date) throws -> SignatureVerdict {
        let reported = sig.fingerprint
        switch sig.code {
        case GPG_ERR_NO_PUBKEY:
            // Only trusted keys are in the home, so "no public key" is "not trusted". GPGME
            // reports the issuer fingerprint when the signature carries one, else the key id.
            return Self.reject(.untrustedKey, reported, "signed by OpenPGP key \(reported ?? "(unnamed)"), which is not among the trusted keys")
        case GPG_ERR_BAD_SIGNATURE:
            let key = try reported.flatMap { try context.key(fingerprint: $0) }
            return Self.reject(.badSignature, key?.primaryFingerprint ?? reported, "the OpenPGP signature does not match the commit's content (altered after signing, or forged)")
        case GPG_ERR_NO_ERROR, GPG_ERR_KEY_EXPIRED, GPG_ERR_SIG_EXPIRED, GPG_ERR_CERT_REVOKED:
            break
        default:
            return Self.reject(.malformed, reported, "the OpenPGP signature could not be checked: \(GPGMEContext.describe(gpgme_err_make(GPG_ERR_SOURCE_GPGME, sig.code)))")
        }

        // The signature maths held. Name the primary key, even for a subkey signature.
        guard let reported, let key = try context.key(fingerprint: reported),
              key.subkeyFingerprints.contains(where: { $0.caseInsensitiveCompare(reported) == .orderedSame })
        else {
            return Self.reject(.untrustedKey, reported, "signed by OpenPGP key \(reported ?? "(unnamed)"), which is not among the trusted keys")
        }
        let fingerprint = key.primaryFingerprint
        if sig.code == GPG_ERR_CERT_REVOKED || sig.has(GPGME_SIGSUM_KEY_REVOKED) {
            return Self.reject(.keyNotValid, fingerprint, "OpenPGP key \(fingerprint) is revoked")
        }
        if sig.code == GPG_ERR_KEY_EXPIRED || sig.has(GPGME_SIGSUM_KEY_EXPIRED) {
            let when = key.expiry[reported] ?? key.expiry[fingerprint]
            let relative = when.map { $0 < commitTime ? " on \(Self.day($0)), before the commit's date" : " on \(Self.day($0)), after the commit's date; extend its expiry and re-export it" } ?? ""
            return Self.reject(.keyNotValid, fingerprint, "OpenPGP key \(fingerprint) expired\(relative)")
        }
        if sig.code == GPG_ERR_SIG_EXPIRED || sig.has(GPGME_SIGSUM_SIG_EXPIRED) {
            return Self.reject(.keyNotValid, fingerprint, "the OpenPGP signature by key \(fingerprint) has expired")
        }
        if sig.wrongKeyUsage {
            return Self.reject(.keyNotValid, fingerprint, "OpenPGP key \(reported) is not a signing key")
        }
        return .trusted(SignerIdentity(mode: "openpgp", principal: key.primaryUserID ?? fingerprint, fingerprint: fingerprint))
    }

    private static func reject(_ reason: SignatureRejection.Reason, _ fingerprint: String?, _ message: String) -> SignatureVerdict {
        .rejected(SignatureRejection(reason: reason, fingerprint: fingerprint, message: message))
    }

    private static func day(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day())
    }
}
