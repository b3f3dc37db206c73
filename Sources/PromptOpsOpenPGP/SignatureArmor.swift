import Foundation
import PromptOpsCore

/// The shape check done before gpg sees a signature.
///
/// git stores OpenPGP commit signatures ASCII-armored as `-----BEGIN PGP SIGNATURE-----`.
/// Anything else is answered here, without spawning gpg, for two reasons: a clear message for
/// the common mistakes (an SSH or X.509 signature where OpenPGP is configured), and a smaller
/// surface: gpg is never asked to parse a signed *message* or a key block as a "signature".
/// (gpg 2.2 refuses a non-detached signature with detached data, but the check costs nothing.)
enum SignatureArmor {
    static let begin = "-----BEGIN PGP SIGNATURE-----"
    static let end = "-----END PGP SIGNATURE-----"

    /// Armor headers of other kinds, with the name a person would know them by.
    private static let others: [(header: String, name: String)] = [
        ("-----BEGIN SSH SIGNATURE-----", "an SSH signature"),
        ("-----BEGIN SIGNED MESSAGE-----", "an X.509 (gpgsm) signature"),
        ("-----BEGIN PGP SIGNED MESSAGE-----", "a clear-signed OpenPGP message, not a detached signature"),
        ("-----BEGIN PGP MESSAGE-----", "an OpenPGP message, not a detached signature"),
        ("-----BEGIN PGP PUBLIC KEY BLOCK-----", "an OpenPGP public key, not a signature"),
    ]

    /// A rejection when `signature` is not one armored detached OpenPGP signature; nil when
    /// it has the right shape (whether its content parses is gpg's call).
    static func rejection(for signature: Data) -> SignatureRejection? {
        if signature.isEmpty || signature.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return malformed("the commit's signature is empty")
        }
        // Armor is ASCII; bytes that are not UTF-8 cannot be an armored signature.
        guard let text = String(data: signature, encoding: .utf8) else {
            return malformed("the commit's signature is not ASCII-armored text")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.hasPrefix(begin) {
            if let other = others.first(where: { trimmed.hasPrefix($0.header) }) {
                return malformed("the commit carries \(other.name); an OpenPGP signature is required")
            }
            return malformed("the commit's signature is not an ASCII-armored OpenPGP signature (no \(begin) line)")
        }
        // Exactly one armored block, ending the text: trailing data after the end line would be
        // something gpg reads (or ignores) that the check above never looked at.
        guard trimmed.hasSuffix(end), trimmed.components(separatedBy: begin).count == 2,
              trimmed.components(separatedBy: end).count == 2
        else {
            return malformed("the commit's OpenPGP signature armor is truncated or holds more than one block")
        }
        return nil
    }

    private static func malformed(_ message: String) -> SignatureRejection {
        SignatureRejection(reason: .malformed, fingerprint: nil, message: message)
    }
}
