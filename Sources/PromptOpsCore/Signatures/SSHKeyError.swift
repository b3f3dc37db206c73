import Foundation

/// Why an SSH public key or an SSH signature blob was not accepted.
public struct SSHKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Whether the bytes are broken or merely of a kind this verifier does not handle.
    public enum Kind: Sendable, Equatable {
        /// The encoding is wrong: truncated, trailing bytes, bad point, bad base64.
        case malformed
        /// Well formed, but a type or algorithm we refuse (certificates, FIDO keys, SHA-1 RSA).
        case unsupported
    }

    /// The class of the problem.
    public var kind: Kind
    /// A sentence a person can act on; quotes at most one short, sanitised token.
    public var message: String

    /// Creates an error of `kind` explained by `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

extension SSHKeyError {
    /// Key type names that OpenSSH knows but this verifier refuses, so their messages say
    /// "not supported" rather than "unknown" and an allowed_signers line using one is
    /// skipped instead of failing the whole file.
    static let knownUnsupportedTypes: Set<String> = [
        "ssh-dss", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-xmss@openssh.com",
    ]

    /// The error for a key type we do not verify, worded by what the type is, so a person
    /// learns whether to list a plain key, switch key types, or fix a typo.
    static func unsupportedKeyType(_ typeName: String) -> SSHKeyError {
        if typeName.hasSuffix("-cert-v01@openssh.com") {
            return SSHKeyError(.unsupported, "SSH certificates are not supported (key type \(sshDisplayToken(typeName))); list the plain key instead")
        }
        if knownUnsupportedTypes.contains(typeName) {
            return SSHKeyError(.unsupported, "key type \(typeName) is not supported; use ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa")
        }
        return SSHKeyError(.unsupported, "unknown key type \(sshDisplayToken(typeName))")
    }
}

/// Quotes a token from untrusted input for a message: printable ASCII only, at most `limit`
/// characters, so a message never carries a whole key, control characters or megabytes.
func sshDisplayToken(_ token: some StringProtocol, limit: Int = 40) -> String {
    var out = ""
    for scalar in token.unicodeScalars.prefix(limit) {
        out += (0x20 ..< 0x7F).contains(scalar.value) && scalar != "\"" ? String(scalar) : "?"
    }
    if token.unicodeScalars.count > limit { out += "…" }
    return "\"" + out + "\""
}
