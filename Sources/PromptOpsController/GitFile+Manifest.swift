import PromptOpsCore
import PromptOpsGit

extension ManifestFile {
    /// The manifest file for an entry read from git: its bytes, or why it was not read.
    init(_ file: GitFile) {
        switch file.skipped {
        case nil: self.init(path: file.path, bytes: file.bytes)
        case .symlink: self.init(path: file.path, unread: .symlink)
        case .submodule: self.init(path: file.path, unread: .submodule)
        case .tooLarge(let size): self.init(path: file.path, unread: .tooLarge(bytes: size))
        }
    }

    /// Whether an entry read from git is reported: git reports every symlink and submodule,
    /// but only one where manifests are read (not under `.github/` or `_vendor/`) concerns them.
    static func isReported(_ file: GitFile) -> Bool {
        switch file.skipped {
        case .symlink, .submodule: return isVisiblePath(file.path)
        case nil, .tooLarge: return true
        }
    }
}
