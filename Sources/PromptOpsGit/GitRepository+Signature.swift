import CLibGit2

/// A commit's signature split from the bytes it signs (what `git verify-commit` checks).
public struct GitCommitSignature: Sendable, Equatable {
    /// The `gpgsig` header's value: an armored SSH or OpenPGP signature.
    public var signature: [UInt8]
    /// The commit object without that header: the signed bytes.
    public var signedData: [UInt8]
}

extension GitRepository {
    /// The signature of the commit `revision` resolves to, or nil when it is not signed.
    public func commitSignature(_ revision: String) throws(GitError) -> GitCommitSignature? {
        let operation = "read the signature of \(revision)"
        var id = try commitID(revision, operation: operation)
        var signature = git_buf()
        var signed = git_buf()
        defer {
            git_buf_dispose(&signature)
            git_buf_dispose(&signed)
        }
        let result = git_commit_extract_signature(&signature, &signed, handle, &id, nil)
        if result == GIT_ENOTFOUND.rawValue { return nil }
        try gitCheck(result, operation)
        func bytes(_ buffer: git_buf) -> [UInt8] {
            guard let pointer = buffer.ptr else { return [] }
            return pointer.withMemoryRebound(to: UInt8.self, capacity: buffer.size) { Array(UnsafeBufferPointer(start: $0, count: buffer.size)) }
        }
        return GitCommitSignature(signature: bytes(signature), signedData: bytes(signed))
    }
}
