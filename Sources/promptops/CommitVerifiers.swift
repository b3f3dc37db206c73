import Crypto
import Foundation
import PromptOpsController
import PromptOpsCore
import PromptOpsOpenPGP

/// Builds a source's commit verifier from its `verify` section: the trusted keys are read and
/// parsed now, so a bad `allowed_signers` file or keyring stops the start (or the reload).
enum CommitVerifiers {
    static func make(_ verify: ControllerConfig.CommitVerification, secrets: SecretResolver) throws -> CommitVerifier {
        let bytes = try secrets.bytes(verify.trustedKeys)
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        switch verify.mode {
        case .ssh:
            let signers: AllowedSigners
            do {
                signers = try AllowedSigners.parse(String(decoding: bytes, as: UTF8.self))
            } catch {
                throw SecretError(message: "verify.trustedKeys (\(verify.trustedKeys)): \(error)")
            }
            return CommitVerifier(mode: "ssh", keysDigest: digest) { signature, signed, time in
                signers.verify(commitSignature: String(decoding: signature, as: UTF8.self), signedData: Data(signed), at: time)
            }
        case .openpgp:
            let verifier: OpenPGPVerifier
            do {
                verifier = try OpenPGPVerifier(trustedKeys: Data(bytes))
            } catch {
                throw SecretError(message: "verify.trustedKeys (\(verify.trustedKeys)): \(error)")
            }
            return CommitVerifier(mode: "openpgp", keysDigest: digest) { signature, signed, time in
                verifier.verify(signature: Data(signature), signedData: Data(signed), at: time)
            }
        }
    }
}
