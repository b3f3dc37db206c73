import Crypto
import Foundation

/// Why an armored SSH signature could not be used.
public struct SSHSignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A sentence a person can act on; never quotes more than one short token.
    public var message: String
    /// The signing key's fingerprint, when the signature got far enough to name its key.
    public var fingerprint: String?

    /// Creates an error explained by `message`, naming the key when known.
    public init(_ message: String, fingerprint: String? = nil) {
        self.message = message
        self.fingerprint = fingerprint
    }

    /// The message.
    public var description: String { message }
}

/// A parsed SSHSIG signature, the format `ssh-keygen -Y sign` writes and git stores in a
/// commit's `gpgsig` header when `gpg.format=ssh` (OpenSSH's PROTOCOL.sshsig).
///
/// The blob is: `"SSHSIG"`, `uint32 version (1)`, `string publickey`, `string namespace`,
/// `string reserved`, `string hash_algorithm`, `string signature`.
public struct SSHSignature: Sendable {
    /// The hash applied to the message before signing; SSHSIG allows exactly these two.
    public enum HashAlgorithm: String, Sendable {
        /// SHA-256 (`ssh-keygen -Y sign -O hashalg=sha256`).
        case sha256
        /// SHA-512, the ssh-keygen default.
        case sha512

        func digest(_ message: some DataProtocol) -> [UInt8] {
            switch self {
            case .sha256: return Array(SHA256.hash(data: Data(message)))
            case .sha512: return Array(SHA512.hash(data: Data(message)))
            }
        }
    }

    /// How a signature's check came out, before any trust decision.
    public enum Check: Sendable, Equatable {
        /// The maths holds for the message in the expected namespace.
        case valid
        /// The signature was made for another namespace (e.g. `-n file`), so it cannot vouch
        /// for a commit even if it was made by a trusted key.
        case wrongNamespace(found: String)
        /// The maths fails: the message was altered after signing, or the signature is forged.
        case invalid
        /// The signature uses an algorithm we refuse (RSA with SHA-1) or its inner blob is broken.
        case refused(String)
    }

    /// First line of the armor, as OpenSSH writes it.
    public static let armorBegin = "-----BEGIN SSH SIGNATURE-----"
    /// Last line of the armor.
    public static let armorEnd = "-----END SSH SIGNATURE-----"
    /// Refuse larger armored text unread: a 16384-bit RSA signature armors to about 6 KiB,
    /// so anything near this is not a signature and not worth decoding.
    public static let maximumArmoredLength = 64 * 1024

    private static let magic = Array("SSHSIG".utf8)

    /// The key that made the signature (not yet trusted: that is the allowed-signers' job).
    public let publicKey: SSHPublicKey
    /// The namespace the signer chose; git uses `git`.
    public let namespace: String
    /// The hash applied to the message.
    public let hashAlgorithm: HashAlgorithm
    /// The inner SSH signature blob (`string sig-type, string sig`).
    public let signatureBlob: Data

    /// Parses armored text (`-----BEGIN SSH SIGNATURE-----` … `-----END SSH SIGNATURE-----`).
    ///
    /// Accepts what git hands over: with or without a final newline, CRLF line ends, and the
    /// indentation a `gpgsig` header's continuation lines carry if the caller did not strip it.
    public init(armored text: String) throws(SSHSignatureError) {
        guard text.utf8.count <= Self.maximumArmoredLength else {
            throw SSHSignatureError("signature is larger than \(Self.maximumArmoredLength) bytes")
        }
        if text.contains("-----BEGIN PGP SIGNATURE-----") {
            throw SSHSignatureError("the signature is OpenPGP, not an SSH signature")
        }
        let lines = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard lines.first == Self.armorBegin else {
            throw SSHSignatureError("signature does not start with \(Self.armorBegin)")
        }
        guard lines.count >= 3, lines.last == Self.armorEnd else {
            throw SSHSignatureError("signature does not end with \(Self.armorEnd)")
        }
        let base64 = lines[1 ..< lines.count - 1].joined()
        guard let blob = Data(base64Encoded: base64) else {
            throw SSHSignatureError("signature body is not valid base64")
        }
        try self.init(blob: blob)
    }

    /// Parses the binary SSHSIG blob (the decoded armor body).
    public init(blob: some DataProtocol) throws(SSHSignatureError) {
        var reader = SSHWireReader(blob)
        var fingerprint: String?
        do {
            guard try reader.readBytes(count: Self.magic.count) == Self.magic else {
                throw SSHSignatureError("signature does not start with the SSHSIG magic")
            }
            let version = try reader.readUInt32()
            guard version == 1 else { throw SSHSignatureError("unsupported SSHSIG version \(version)") }
            let keyBlob = try reader.readString()
            fingerprint = SSHPublicKey.fingerprint(ofBlob: keyBlob)
            let namespace = try reader.readText()
            _ = try reader.readString()  // reserved: ignored, as PROTOCOL.sshsig says
            let hashName = try reader.readText()
            let signature = try reader.readString()
            try reader.expectEnd()
            guard let hash = HashAlgorithm(rawValue: hashName) else {
                throw SSHSignatureError("unsupported hash algorithm \(sshDisplayToken(hashName)); SSHSIG allows sha256 and sha512", fingerprint: fingerprint)
            }
            self.publicKey = try SSHPublicKey(blob: keyBlob)
            self.namespace = namespace
            self.hashAlgorithm = hash
            self.signatureBlob = Data(signature)
        } catch let error as SSHSignatureError {
            throw error
        } catch let error as SSHKeyError {
            throw SSHSignatureError("signing key: \(error.message)", fingerprint: fingerprint)
        } catch {
            throw SSHSignatureError("signature is malformed: \(error)", fingerprint: fingerprint)
        }
    }

    /// Checks the signature over `message` for use in `expectedNamespace`.
    ///
    /// The signed data is rebuilt as OpenSSH's `sshsig_wrap_verify` does: `"SSHSIG"`,
    /// `string namespace`, `string reserved` (always empty), `string hash_algorithm`,
    /// `string H(message)` — using the *expected* namespace, so a signature made for another
    /// namespace fails even if someone rewrote the namespace field.
    public func check(message: some DataProtocol, namespace expectedNamespace: String) -> Check {
        guard namespace == expectedNamespace else { return .wrongNamespace(found: namespace) }
        var signed = SSHWireWriter()
        signed.appendRaw(Self.magic)
        signed.appendString(expectedNamespace)
        signed.appendString([UInt8]())
        signed.appendString(hashAlgorithm.rawValue)
        signed.appendString(hashAlgorithm.digest(message))
        do {
            return try publicKey.verify(signature: signatureBlob, for: signed.bytes) ? .valid : .invalid
        } catch {
            return .refused(error.message)
        }
    }
}
