import Foundation
import PromptOpsCore
import PromptOpsGit

/// Checks a commit's signature against a source's trusted keys (`sources[].verify`).
public struct CommitVerifier: Sendable, CustomStringConvertible {
    /// `ssh` or `openpgp`.
    public var mode: String
    /// Identifies the trusted key set (mode and a digest of the file), so a reload with the
    /// same keys keeps the cached verdict.
    public var keysDigest: String
    /// The check itself; may block (gpg), so it is run off Swift's cooperative pool.
    let check: @Sendable (_ signature: [UInt8], _ signedData: [UInt8], _ commitTime: Date) -> SignatureVerdict

    /// Creates a verifier from a blocking check.
    public init(mode: String, keysDigest: String, check: @escaping @Sendable ([UInt8], [UInt8], Date) -> SignatureVerdict) {
        self.mode = mode
        self.keysDigest = keysDigest
        self.check = check
    }

    /// `mode:digest`.
    public var description: String { "\(mode):\(keysDigest)" }

    /// The verdict on one commit signature, computed on a thread of its own.
    func verify(_ signature: GitCommitSignature, at time: Date) async -> SignatureVerdict {
        let check = self.check
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: check(signature.signature, signature.signedData, time))
            }
        }
    }
}
