import Foundation
import PromptOpsCore

/// The commit a plan comes from, stamped on every version it creates and in the audit log.
public struct CommitInfo: Sendable, Equatable, Codable {
    /// Full commit id.
    public var sha: String
    /// Author name.
    public var authorName: String
    /// Author email.
    public var authorEmail: String
    /// Author time of the commit.
    public var time: Date
    /// Commit message.
    public var message: String
    /// Who signed the commit, when its source applies signed commits only.
    public var signer: SignerIdentity?

    /// Creates commit metadata.
    public init(sha: String, authorName: String, authorEmail: String, time: Date, message: String, signer: SignerIdentity? = nil) {
        self.signer = signer
        self.sha = sha
        self.authorName = authorName
        self.authorEmail = authorEmail
        self.time = time
        self.message = message
    }

    /// The first line of the message.
    public var subject: String { String(message.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "") }
}
