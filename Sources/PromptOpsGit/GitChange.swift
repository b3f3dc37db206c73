/// A file-level change between two commits, by repository-relative path.
///
/// Every entry but a folder counts: regular and executable files, symlinks and submodules (so
/// a reader learns of a symlink or submodule it must report as skipped). Renames appear as
/// `deleted` + `added`; a file replaced by a symlink or submodule at the same path is `modified`.
public enum GitChange: Sendable, Equatable {
    /// The path exists (not as a folder) only in the new commit.
    case added(String)
    /// The path exists in both commits with different content or mode.
    case modified(String)
    /// The path exists (not as a folder) only in the old commit.
    case deleted(String)

    /// The repository-relative path the change is about.
    public var path: String {
        switch self {
        case .added(let path), .modified(let path), .deleted(let path):
            return path
        }
    }
}
