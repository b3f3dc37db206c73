import Foundation

/// Metadata of one commit, copied out of libgit2 (no borrowed pointers).
public struct GitCommitInfo: Sendable, Equatable {
    /// Full 40-character hex sha of the commit.
    public var sha: String
    /// Author name as recorded in the commit.
    public var authorName: String
    /// Author email as recorded in the commit.
    public var authorEmail: String
    /// Author time (the instant; the author's time-zone offset is not kept).
    public var time: Date
    /// Full commit message with trailing newlines removed.
    public var message: String
    /// First line of the message, without trailing whitespace.
    public var summary: String

    /// Creates commit metadata from its parts.
    public init(sha: String, authorName: String, authorEmail: String, time: Date, message: String, summary: String) {
        self.sha = sha
        self.authorName = authorName
        self.authorEmail = authorEmail
        self.time = time
        self.message = message
        self.summary = summary
    }
}
