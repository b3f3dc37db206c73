import Foundation

/// Who signed a commit, as a trusted-keys file names them.
public struct SignerIdentity: Sendable, Equatable, Hashable, Codable {
    /// `ssh` or `openpgp`.
    public var mode: String
    /// The principal of the `allowed_signers` line (ssh) or the key's primary user id (openpgp).
    public var principal: String
    /// `SHA256:…` as `ssh-keygen -l` prints it (ssh), or the primary key's hex fingerprint (openpgp).
    public var fingerprint: String

    public init(mode: String, principal: String, fingerprint: String) {
        self.mode = mode
        self.principal = principal
        self.fingerprint = fingerprint
    }
}

/// Why a commit's signature is not accepted.
public struct SignatureRejection: Sendable, Equatable, Error {
    /// The class of the problem, stable for tests and metrics.
    public enum Reason: String, Sendable, Equatable {
        /// The commit carries no signature.
        case unsigned
        /// The signature could not be parsed, or is of the other mode (an OpenPGP signature where ssh is required).
        case malformed
        /// The signature does not match the signed content (altered after signing, or forged).
        case badSignature
        /// Valid maths, but the key is not in the trusted keys.
        case untrustedKey
        /// The key is trusted but not for this use or time (namespace, valid-before/after, expired, revoked).
        case keyNotValid
    }

    public var reason: Reason
    /// The signing key's fingerprint when the signature names one.
    public var fingerprint: String?
    /// A sentence a person can act on; never holds key material beyond the fingerprint.
    public var message: String

    public init(reason: Reason, fingerprint: String?, message: String) {
        self.reason = reason
        self.fingerprint = fingerprint
        self.message = message
    }
}

/// The verdict on one commit's signature.
public enum SignatureVerdict: Sendable, Equatable {
    case trusted(SignerIdentity)
    case rejected(SignatureRejection)
}
