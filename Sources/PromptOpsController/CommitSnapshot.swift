import PromptOpsCore
import PromptOpsGit

/// The desired state of a whole commit, read fresh from git (for `diff` and one-off checks;
/// the ``Reconciler`` keeps its own incremental caches).
public struct CommitSnapshot: Sendable {
    /// The commit.
    public var commit: GitCommitInfo
    /// The loaded manifests.
    public var set: ManifestSet
    /// Their validation.
    public var validation: ManifestValidator.Result
    /// The desired state.
    public var desired: DesiredState

    /// Reads every manifest under `path` at `revision`.
    public static func read(_ repo: GitRepository, revision: String, path: String) async throws(GitError) -> CommitSnapshot {
        let sha = try await repo.resolve(revision)
        let commit = try await repo.commitInfo(sha)
        let loader = ManifestLoader()
        let files = try await repo.files(at: sha, under: path, filter: { ManifestFile.isManifestPath($0) },
                                         maxBytes: loader.limits.maxFileBytes).filter(ManifestFile.isReported)
        let set = loader.load(files.map(ManifestFile.init))
        let validation = ManifestValidator().validate(set)
        let unattributed = Dictionary(uniqueKeysWithValues: set.unattributedFiles.map { path in
            (path, Reconciler.guessNamespaces(in: files.first { $0.path == path }?.bytes ?? []))
        })
        return CommitSnapshot(commit: commit, set: set, validation: validation,
                              desired: DesiredState(set: set, validation: validation, blockedFiles: unattributed))
    }
}
