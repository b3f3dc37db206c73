import Crypto
import _CryptoExtras
import Foundation

/// An SSH public key of a type we can verify: `ssh-ed25519`, `ecdsa-sha2-nistp256/384/521`
/// or `ssh-rsa` (verified with the rsa-sha2-256/512 signature algorithms only).
///
/// Equality and ``fingerprint`` use the *canonical* blob, re-encoded from the parsed key, so a
/// key written with redundant leading zeros in an RSA `mpint` still equals the same key
/// written minimally — the same comparison OpenSSH's `sshkey_equal` makes.
public struct SSHPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// The key types this verifier understands, by their SSH names.
    public enum Algorithm: String, Sendable, CaseIterable {
        /// Ed25519 (the ssh-keygen default).
        case ed25519 = "ssh-ed25519"
        /// ECDSA on P-256, signatures over SHA-256.
        case ecdsaP256 = "ecdsa-sha2-nistp256"
        /// ECDSA on P-384, signatures over SHA-384.
        case ecdsaP384 = "ecdsa-sha2-nistp384"
        /// ECDSA on P-521, signatures over SHA-512.
        case ecdsaP521 = "ecdsa-sha2-nistp521"
        /// RSA; signatures must be rsa-sha2-256 or rsa-sha2-512.
        case rsa = "ssh-rsa"
    }

    /// The validated public material as bytes. swift-crypto 3.12's Ed25519/ECDSA key types
    /// are not `Sendable` on Linux, so we keep bytes (checked once at parse time by building
    /// the key) and rebuild the key object for each verification, which is cheap.
    private enum Material: Sendable {
        case ed25519(point: [UInt8])
        case ecdsa(point: [UInt8])
        case rsa(n: [UInt8], e: [UInt8])
    }

    /// RSA moduli below this are refused: 1024-bit RSA is within reach of well-funded
    /// attackers, and git signing keys made by ssh-keygen default to 3072 bits.
    public static let minimumRSABits = 2048
    /// OpenSSH's own ceiling (SSHBUF_MAX_BIGNUM); it also bounds the cost of one verify.
    public static let maximumRSABits = 16384

    /// True if `name` is a key type OpenSSH would accept, whether or not we verify it;
    /// certificate types (`…-cert-v01@openssh.com`) count.
    static func isKnownKeyType(_ name: some StringProtocol) -> Bool {
        Algorithm(rawValue: String(name)) != nil || SSHKeyError.knownUnsupportedTypes.contains(String(name))
            || name.hasSuffix("-cert-v01@openssh.com")
    }

    /// Which kind of key this is.
    public let algorithm: Algorithm
    /// The canonical SSH wire encoding of the key (what `ssh-keygen` base64-encodes).
    public let blob: Data
    private let material: Material

    /// Parses an SSH public key blob (the bytes inside the base64 of an `.pub` line).
    public init(blob raw: some DataProtocol) throws(SSHKeyError) {
        var reader = SSHWireReader(raw)
        do {
            let typeName = try reader.readText()
            guard let algorithm = Algorithm(rawValue: typeName) else {
                throw SSHKeyError.unsupportedKeyType(typeName)
            }
            var canonical = SSHWireWriter()
            canonical.appendString(algorithm.rawValue)
            switch algorithm {
            case .ed25519:
                let point = try reader.readString()
                try reader.expectEnd()
                guard point.count == 32 else { throw SSHKeyError(.malformed, "ed25519 key is not 32 bytes") }
                _ = try Self.wrapCrypto { try Curve25519.Signing.PublicKey(rawRepresentation: point) }
                self.material = .ed25519(point: point)
                canonical.appendString(point)
            case .ecdsaP256, .ecdsaP384, .ecdsaP521:
                let curve = try reader.readText()
                let point = try reader.readString()
                try reader.expectEnd()
                guard algorithm.rawValue == "ecdsa-sha2-" + curve else {
                    throw SSHKeyError(.malformed, "ECDSA key names curve \(sshDisplayToken(curve)), not the one its type says")
                }
                // Uncompressed points only: it is what OpenSSH writes, and one encoding per
                // key keeps blob comparison exact.
                guard point.first == 0x04 else { throw SSHKeyError(.malformed, "ECDSA point is not uncompressed") }
                // Building the key checks that the point is on the curve.
                switch algorithm {
                case .ecdsaP256: _ = try Self.wrapCrypto { try P256.Signing.PublicKey(x963Representation: point) }
                case .ecdsaP384: _ = try Self.wrapCrypto { try P384.Signing.PublicKey(x963Representation: point) }
                default: _ = try Self.wrapCrypto { try P521.Signing.PublicKey(x963Representation: point) }
                }
                self.material = .ecdsa(point: point)
                canonical.appendString(curve)
                canonical.appendString(point)
            case .rsa:
                let e = try reader.readMPInt(maxBytes: 8)
                let n = try reader.readMPInt(maxBytes: Self.maximumRSABits / 8)
                try reader.expectEnd()
                let bits = n.isEmpty ? 0 : (n.count - 1) * 8 + (8 - n[0].leadingZeroBitCount)
                guard bits >= Self.minimumRSABits else {
                    throw SSHKeyError(.unsupported, "RSA key of \(bits) bits is refused; at least \(Self.minimumRSABits) bits are required")
                }
                _ = try Self.wrapCrypto { try _RSA.Signing.PublicKey(n: n, e: e) }
                self.material = .rsa(n: n, e: e)
                canonical.appendMPInt(magnitude: e)
                canonical.appendMPInt(magnitude: n)
            }
            self.algorithm = algorithm
            self.blob = Data(canonical.bytes)
        } catch let error as SSHKeyError {
            throw error
        } catch let error as SSHWireError {
            throw SSHKeyError(.malformed, "public key blob: \(error)")
        } catch {
            throw SSHKeyError(.malformed, "public key blob could not be read")
        }
    }

    /// Parses the one-line text form `ssh-ed25519 AAAA… comment` (as in a `.pub` file).
    /// The type word must agree with the type inside the blob, as OpenSSH requires.
    public init(openSSHText text: String) throws(SSHKeyError) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0.isNewline })
        guard fields.count >= 2 else {
            throw SSHKeyError(.malformed, "expected \"<key type> <base64 key> [comment]\"")
        }
        let typeName = String(fields[0])
        guard Algorithm(rawValue: typeName) != nil else {
            throw SSHKeyError.unsupportedKeyType(typeName)
        }
        guard let raw = Data(base64Encoded: String(fields[1])) else {
            throw SSHKeyError(.malformed, "key is not valid base64")
        }
        try self.init(blob: raw)
        guard algorithm.rawValue == typeName else {
            throw SSHKeyError(.malformed, "key type \(typeName) does not match the key's own type \(algorithm.rawValue)")
        }
    }

    /// `SHA256:` and the unpadded base64 of the SHA-256 of the blob, as `ssh-keygen -l` prints.
    public var fingerprint: String { Self.fingerprint(ofBlob: blob) }

    /// The fingerprint of any blob, even one we cannot parse, so a rejection can still name
    /// the key a person should look for.
    public static func fingerprint(ofBlob blob: some DataProtocol) -> String {
        let digest = Data(SHA256.hash(data: Data(blob)))
        let encoded = digest.base64EncodedString()
        return "SHA256:" + encoded.prefix(while: { $0 != "=" })
    }

    /// Two keys are equal when their canonical blobs are: same type, same public material.
    public static func == (lhs: SSHPublicKey, rhs: SSHPublicKey) -> Bool { lhs.blob == rhs.blob }

    /// Hashes the canonical blob, consistent with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(blob) }

    /// `<type> <fingerprint>`; never the key material itself.
    public var description: String { "\(algorithm.rawValue) \(fingerprint)" }

    /// Checks an SSH signature blob (`string sig-type, string sig`) over `data`.
    ///
    /// - Returns: whether the maths holds.
    /// - Throws: ``SSHKeyError`` when the blob is malformed, names an algorithm that does not
    ///   belong to this key, or names one we refuse (`ssh-rsa`, i.e. RSA with SHA-1).
    public func verify(signature sigBlob: some DataProtocol, for data: some DataProtocol) throws(SSHKeyError) -> Bool {
        var reader = SSHWireReader(sigBlob)
        let sigType: String
        let sig: [UInt8]
        do {
            sigType = try reader.readText()
            sig = try reader.readString()
            try reader.expectEnd()
        } catch {
            throw SSHKeyError(.malformed, "signature blob: \(error)")
        }
        let message = Data(data)
        // A key that parsed always rebuilds, so the `try?`s below only guard against the
        // impossible; a nil counts as "does not verify", which fails closed.
        switch (material, algorithm) {
        case let (.ed25519(point), _):
            try expectSignatureType(sigType, algorithm.rawValue)
            guard sig.count == 64 else { throw SSHKeyError(.malformed, "ed25519 signature is not 64 bytes") }
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: point) else { return false }
            return key.isValidSignature(sig, for: message)
        case let (.ecdsa(point), .ecdsaP256):
            try expectSignatureType(sigType, algorithm.rawValue)
            let raw = try Self.ecdsaRaw(sig, coordinateBytes: 32)
            guard let key = try? P256.Signing.PublicKey(x963Representation: point),
                  let signature = try? P256.Signing.ECDSASignature(rawRepresentation: raw) else { return false }
            return key.isValidSignature(signature, for: SHA256.hash(data: message))
        case let (.ecdsa(point), .ecdsaP384):
            try expectSignatureType(sigType, algorithm.rawValue)
            let raw = try Self.ecdsaRaw(sig, coordinateBytes: 48)
            guard let key = try? P384.Signing.PublicKey(x963Representation: point),
                  let signature = try? P384.Signing.ECDSASignature(rawRepresentation: raw) else { return false }
            return key.isValidSignature(signature, for: SHA384.hash(data: message))
        case let (.ecdsa(point), _):
            try expectSignatureType(sigType, algorithm.rawValue)
            let raw = try Self.ecdsaRaw(sig, coordinateBytes: 66)
            guard let key = try? P521.Signing.PublicKey(x963Representation: point),
                  let signature = try? P521.Signing.ECDSASignature(rawRepresentation: raw) else { return false }
            return key.isValidSignature(signature, for: SHA512.hash(data: message))
        case let (.rsa(n, e), _):
            // Decide the hash before any maths, so a SHA-1 signature is refused as such even
            // when it is also broken. (`ssh-rsa` is both the RSA key type and the SHA-1
            // signature algorithm; only the latter is refused.)
            let sha512: Bool
            switch sigType {
            case "rsa-sha2-512": sha512 = true
            case "rsa-sha2-256": sha512 = false
            case "ssh-rsa":
                throw SSHKeyError(.unsupported, "RSA signature uses SHA-1 (ssh-rsa), which is refused; re-sign with a current ssh-keygen (rsa-sha2-512)")
            default:
                throw SSHKeyError(.unsupported, "RSA signature algorithm \(sshDisplayToken(sigType)) is not supported")
            }
            // OpenSSH left-pads a short RSA signature to the modulus length; BoringSSL wants
            // the exact length, so do the same padding. Longer than the modulus is invalid.
            guard sig.count <= n.count, let key = try? _RSA.Signing.PublicKey(n: n, e: e) else { return false }
            let padded = _RSA.Signing.RSASignature(rawRepresentation: [UInt8](repeating: 0, count: n.count - sig.count) + sig)
            return sha512
                ? key.isValidSignature(padded, for: SHA512.hash(data: message), padding: .insecurePKCS1v1_5)
                : key.isValidSignature(padded, for: SHA256.hash(data: message), padding: .insecurePKCS1v1_5)
        }
    }

    private func expectSignatureType(_ found: String, _ expected: String) throws(SSHKeyError) {
        guard found == expected else {
            throw SSHKeyError(.malformed, "signature algorithm \(sshDisplayToken(found)) does not match a \(expected) key")
        }
    }

    /// Turns the SSH ECDSA signature (`mpint r, mpint s`) into the fixed-width `r‖s` that
    /// swift-crypto's `rawRepresentation` expects.
    private static func ecdsaRaw(_ sig: [UInt8], coordinateBytes: Int) throws(SSHKeyError) -> [UInt8] {
        var inner = SSHWireReader(sig)
        do {
            let r = try inner.readMPInt(maxBytes: coordinateBytes)
            let s = try inner.readMPInt(maxBytes: coordinateBytes)
            try inner.expectEnd()
            let pad = { (v: [UInt8]) in [UInt8](repeating: 0, count: coordinateBytes - v.count) + v }
            return pad(r) + pad(s)
        } catch {
            throw SSHKeyError(.malformed, "ECDSA signature: \(error)")
        }
    }

    /// Runs a swift-crypto constructor, turning its error into ours: the crypto layer's
    /// errors say nothing useful to a person holding a bad key.
    private static func wrapCrypto<T>(_ make: () throws -> T) throws(SSHKeyError) -> T {
        do { return try make() } catch {
            throw SSHKeyError(.malformed, "key material is not a valid public key")
        }
    }

}
