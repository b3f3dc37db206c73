import CGPGME
import Foundation

/// A GPGME failure: which call failed and GPGME's own words for why.
struct GPGMEFailure: Error, CustomStringConvertible {
    var operation: String
    var code: gpgme_error_t

    var description: String { "\(operation): \(GPGMEContext.describe(code))" }
}

/// One signature of a verify result, copied out of GPGME's structs: those are owned by the
/// context and invalidated by its next operation (the key lookup that follows is one).
struct GPGMESignature {
    var fingerprint: String?
    var code: gpgme_err_code_t
    var summary: UInt32
    var wrongKeyUsage: Bool
    var created: Date?

    func has(_ flag: gpgme_sigsum_t) -> Bool { summary & flag.rawValue != 0 }
}

/// What an import did, copied out of GPGME's import result.
struct GPGMEImport {
    var considered: Int
    var notImported: Int
    var secretKeysRead: Int
    /// Fingerprints of the keys imported (or already present), in the file's order.
    var fingerprints: [String]
    /// One "FPR: reason" per key gpg refused.
    var failures: [String]
}

/// The parts of a public key the verdicts need, copied out of a `gpgme_key_t`.
struct GPGMEKey {
    var primaryFingerprint: String
    var primaryUserID: String?
    var subkeyFingerprints: [String]
    /// When the key that made a signature expires, by subkey fingerprint (absent: never).
    var expiry: [String: Date]
}

/// One GPGME context for OpenPGP, bound to a private GnuPG home.
///
/// Not Sendable on purpose: GPGME allows any number of contexts on any threads but each
/// context on one thread at a time, so every verify makes its own and releases it.
/// Every call blocks while GPGME runs gpg as a child process.
final class GPGMEContext {
    /// gpgme_check_version initialises the library (and sets SIGPIPE to ignored if it was at the
    /// default, so a gpg that exits before reading its input cannot kill this process); it must
    /// run before the first context exists. A static let runs it once, thread-safely (swift_once).
    private static let libraryVersion: String? = promptops_gpgme_check_version().map { String(cString: $0) }

    /// Whether GPGME finds a usable gpg, asked once (GPGME runs `gpg --version` for it): a
    /// missing gpg is then a clear "unavailable" rather than an odd error from the first import.
    private static let engineCheck: gpgme_error_t = {
        guard libraryVersion != nil else { return gpgme_error_t(GPG_ERR_NOT_INITIALIZED.rawValue) }
        return gpgme_engine_check_version(GPGME_PROTOCOL_OpenPGP)
    }()

    private let raw: gpgme_ctx_t

    /// Throws ``OpenPGPKeyringError/gpgmeUnavailable(_:)`` when GPGME or gpg is unusable,
    /// ``GPGMEFailure`` when setting up this one context fails.
    init(home: String) throws {
        guard Self.engineCheck == 0 else {
            throw OpenPGPKeyringError.gpgmeUnavailable("no usable gpg: \(Self.describe(Self.engineCheck))")
        }
        var ctx: gpgme_ctx_t?
        try Self.check(gpgme_new(&ctx), "gpgme_new")
        guard let ctx else { throw GPGMEFailure(operation: "gpgme_new", code: 0) }
        raw = ctx
        try Self.check(gpgme_set_protocol(ctx, GPGME_PROTOCOL_OpenPGP), "gpgme_set_protocol")
        // The default gpg binary, but our home: per context, not the process-wide default,
        // so verifiers with different keyrings never see each other's keys.
        try Self.check(gpgme_ctx_set_engine_info(ctx, GPGME_PROTOCOL_OpenPGP, nil, home), "gpgme_ctx_set_engine_info")
        // Offline: gpg is told not to use dirmngr, so no key is ever fetched from a network.
        gpgme_set_offline(ctx, 1)
        try Self.check(gpgme_set_keylist_mode(ctx, gpgme_keylist_mode_t(GPGME_KEYLIST_MODE_LOCAL)), "gpgme_set_keylist_mode")
    }

    deinit { gpgme_release(raw) }

    /// Imports keys into the home and returns GPGME's import result, copied.
    func importKeys(_ bytes: Data) throws -> GPGMEImport {
        let data = try GPGMEData(bytes)
        try Self.check(gpgme_op_import(raw, data.raw), "gpgme_op_import")
        guard let result = gpgme_op_import_result(raw)?.pointee else {
            throw GPGMEFailure(operation: "gpgme_op_import_result", code: 0)
        }
        var fingerprints: [String] = []
        var failures: [String] = []
        var status = result.imports
        while let entry = status?.pointee {
            let fpr = entry.fpr.map { String(cString: $0) } ?? "(unknown key)"
            if entry.result == 0 {
                if !fingerprints.contains(fpr) { fingerprints.append(fpr) }
            } else {
                failures.append("\(fpr): \(Self.describe(entry.result))")
            }
            status = entry.next
        }
        return GPGMEImport(considered: Int(result.considered), notImported: Int(result.not_imported),
                           secretKeysRead: Int(result.secret_read), fingerprints: fingerprints, failures: failures)
    }

    /// Verifies a detached signature over `signedData`; returns the signatures gpg reported,
    /// or throws when gpg could not make sense of the input at all.
    func verifyDetached(signature: Data, signedData: Data) throws -> [GPGMESignature] {
        let sig = try GPGMEData(signature)
        let text = try GPGMEData(signedData)
        let err = gpgme_op_verify(raw, sig.raw, text.raw, nil)
        var signatures: [GPGMESignature] = []
        var next = gpgme_op_verify_result(raw)?.pointee.signatures
        while let s = next?.pointee {
            signatures.append(GPGMESignature(
                fingerprint: s.fpr.map { String(cString: $0) },
                code: gpgme_err_code(s.status),
                summary: s.summary.rawValue,
                wrongKeyUsage: s.wrong_key_usage != 0,
                created: s.timestamp == 0 ? nil : Date(timeIntervalSince1970: TimeInterval(s.timestamp))
            ))
            next = s.next
        }
        // An operation error with signatures still reported (gpg read some, then failed) is
        // left to the per-signature statuses; without any it is the only answer there is.
        if signatures.isEmpty && err != 0 { throw GPGMEFailure(operation: "gpgme_op_verify", code: err) }
        return signatures
    }

    /// Looks up a public key in the home by a fingerprint of it or of one of its subkeys;
    /// nil when the home has no such key.
    func key(fingerprint: String) throws -> GPGMEKey? {
        var found: gpgme_key_t?
        let err = gpgme_get_key(raw, fingerprint, &found, 0)
        if gpgme_err_code(err) == GPG_ERR_EOF { return nil }
        try Self.check(err, "gpgme_get_key")
        guard let found else { return nil }
        defer { gpgme_key_unref(found) }
        var subkeys: [String] = []
        var expiry: [String: Date] = [:]
        var sub = found.pointee.subkeys
        while let s = sub?.pointee {
            if let fpr = s.fpr.map({ String(cString: $0) }) {
                subkeys.append(fpr)
                if s.expires > 0 { expiry[fpr] = Date(timeIntervalSince1970: TimeInterval(s.expires)) }
            }
            sub = s.next
        }
        // gpg lists the primary user id first; prefer the first one still usable, so a revoked
        // old address is not what a person sees as the signer.
        var uids: [(uid: String, usable: Bool)] = []
        var uid = found.pointee.uids
        while let u = uid?.pointee {
            if let text = u.uid.map({ String(cString: $0) }) { uids.append((text, u.revoked == 0 && u.invalid == 0)) }
            uid = u.next
        }
        guard let primary = found.pointee.fpr.map({ String(cString: $0) }) ?? subkeys.first else { return nil }
        return GPGMEKey(
            primaryFingerprint: primary,
            primaryUserID: (uids.first(where: \.usable) ?? uids.first)?.uid,
            subkeyFingerprints: subkeys,
            expiry: expiry
        )
    }

    static func describe(_ err: gpgme_error_t) -> String {
        guard let text = gpgme_strerror(err) else { return "GPGME error \(err)" }
        return String(cString: text)
    }

    private static func check(_ err: gpgme_error_t, _ operation: String) throws {
        guard err == 0 else { throw GPGMEFailure(operation: operation, code: err) }
    }
}

/// A `gpgme_data_t` over a private copy of some bytes, so the Swift buffer need not outlive
/// the `withUnsafeBytes` call that lends it.
final class GPGMEData {
    let raw: gpgme_data_t

    init(_ bytes: Data) throws {
        var dh: gpgme_data_t?
        let err: gpgme_error_t = bytes.withUnsafeBytes { buffer in
            // GPGME rejects a NULL buffer, which is what an empty Data lends.
            guard let base = buffer.baseAddress, buffer.count > 0 else { return gpgme_data_new(&dh) }
            return gpgme_data_new_from_mem(&dh, base.assumingMemoryBound(to: CChar.self), buffer.count, 1)
        }
        guard err == 0, let dh else { throw GPGMEFailure(operation: "gpgme_data_new", code: err) }
        raw = dh
    }

    deinit { gpgme_data_release(raw) }
}
