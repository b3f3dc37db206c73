/// A file-level change between two commits, by repository-relative path.
///
/// Only regular and executable files count as files: renames appear as `deleted` + `added`,
/// and a file replaced by a symlink or submodule appears as `deleted` (and vice versa `added`).
public enum GitChange: Sendable, Equatable {
    /// The path exists as a file only in the new commit.
    case added(String)
    /// The path is a file in both commits with different content or mode.
    case modified(String)
    /// The path exists as a file only in the old commit.
    case deleted(String)

    /// The repository-relative path the change is about.
    public var path: String {
        switch self {
        case .added(let path), .modified(let path), .deleted(let path):
            return path
        }
    }
}
