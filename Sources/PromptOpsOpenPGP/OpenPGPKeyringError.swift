/// Why an ``OpenPGPVerifier`` could not be set up from a trusted-keys file.
///
/// These are configuration problems (a wrong or empty file, a missing library), so they are
/// thrown from `init` rather than turned into per-commit verdicts: a verifier that would
/// reject every commit for a reason unrelated to the commits is better refused up front.
public enum OpenPGPKeyringError: Error, Sendable, Equatable, CustomStringConvertible {
    /// GPGME could not be initialised or could not run gpg (the library, the gpg binary, or
    /// the engine is missing or unusable).
    case gpgmeUnavailable(String)
    /// The private GnuPG home directory could not be created or prepared.
    case homeUnavailable(String)
    /// gpg refused the keyring file, or refused some of the keys in it.
    case importFailed(String)
    /// The file holds no OpenPGP public key at all, so nothing could ever be trusted.
    case emptyKeyring

    /// A sentence naming the problem and, where there is one, the fix.
    public var description: String {
        switch self {
        case .gpgmeUnavailable(let detail):
            return "OpenPGP verification is unavailable (GPGME/gpg): \(detail); install gnupg and libgpgme (hack/install-deps)"
        case .homeUnavailable(let detail):
            return "could not create a private GnuPG home for the trusted keys: \(detail)"
        case .importFailed(let detail):
            return "the trusted OpenPGP keys could not be imported: \(detail)"
        case .emptyKeyring:
            return "the trusted OpenPGP keys file holds no public key (expected `gpg --export` output, binary or ASCII-armored)"
        }
    }
}
