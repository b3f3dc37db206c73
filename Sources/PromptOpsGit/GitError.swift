import CLibGit2

/// A failed git operation, as data: libgit2's return code, error class and message,
/// plus a short description of what PromptOpsGit was doing when it failed.
///
/// Errors detected in Swift (for example "this path is not a folder") reuse libgit2's
/// code and class vocabulary so callers can branch on `code` uniformly.
public struct GitError: Error, Sendable, CustomStringConvertible {
    /// libgit2's return code (a negative `git_error_code`, e.g. `-3` for not found).
    public var code: Int32
    /// libgit2's error class (a `git_error_t`, e.g. `GIT_ERROR_ODB`); 0 when none was reported.
    public var klass: Int32
    /// libgit2's error message, or ours for checks done in Swift.
    public var message: String
    /// What was being attempted, e.g. `resolve "main"` or `fetch origin (file:///srv/prompts.git)`.
    public var operation: String

    /// Creates an error from its parts.
    public init(code: Int32, klass: Int32, message: String, operation: String) {
        self.code = code
        self.klass = klass
        self.message = message
        self.operation = operation
    }

    /// Creates an error for a check done in Swift, classified with a libgit2 error class.
    init(code: Int32, class errorClass: git_error_t, message: String, operation: String) {
        self.init(code: code, klass: Int32(bitPattern: errorClass.rawValue), message: message, operation: operation)
    }

    /// `GIT_ENOTFOUND`: the revision, object, reference, remote or path does not exist.
    public static let notFoundCode: Int32 = GIT_ENOTFOUND.rawValue
    /// `GIT_EAMBIGUOUS`: a short sha matches more than one object.
    public static let ambiguousCode: Int32 = GIT_EAMBIGUOUS.rawValue
    /// `GIT_EINVALID`: the input is not valid for the operation (e.g. a path that is not a folder).
    public static let invalidCode: Int32 = GIT_EINVALID.rawValue
    /// `GIT_EEXISTS`: something is already in the way (e.g. a cache directory cloned from another URL).
    public static let existsCode: Int32 = GIT_EEXISTS.rawValue

    /// Whether libgit2 (or our own check) reported that the thing looked up does not exist.
    public var isNotFound: Bool { code == Self.notFoundCode }

    /// Whether libgit2 reported damaged or missing objects: an object-database or zlib error (a
    /// corrupted or truncated pack, a damaged or missing loose object), or a pack it cannot
    /// index. Resolving a sha that was never there fails the same way, so a caller that asked
    /// for one counts only failures after it resolved.
    public var isCorruption: Bool {
        guard code != Self.ambiguousCode else { return false }
        return [GIT_ERROR_ODB, GIT_ERROR_ZLIB, GIT_ERROR_INDEXER].contains { Int32(bitPattern: $0.rawValue) == klass }
    }

    /// Whether an object could not be read from the object database (libgit2's graph walk
    /// reports a missing commit with code -1, not `notFoundCode`).
    public var isObjectDatabaseError: Bool { klass == Int32(bitPattern: GIT_ERROR_ODB.rawValue) }

    /// A one-line, human-readable rendering: `operation: message (code, class)`.
    public var description: String {
        "\(operation): \(message) (git error \(code), class \(klass))"
    }

    /// Captures libgit2's thread-local last error for a call that returned `code`.
    ///
    /// Must be called on the same thread, right after the failing call (no `await` in between).
    static func last(code: Int32, operation: String) -> GitError {
        guard let error = git_error_last() else {
            return GitError(code: code, klass: 0, message: "libgit2 returned \(code) without a message", operation: operation)
        }
        let message = error.pointee.message.map { String(cString: $0) } ?? "libgit2 returned \(code)"
        return GitError(code: code, klass: error.pointee.klass, message: message, operation: operation)
    }
}

/// Throws libgit2's last error when `result` is negative; returns `result` otherwise.
@discardableResult
func gitCheck(_ result: Int32, _ operation: @autoclosure () -> String) throws(GitError) -> Int32 {
    if result < 0 {
        throw GitError.last(code: result, operation: operation())
    }
    return result
}
