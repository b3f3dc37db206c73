import CLibGit2

/// Sole owner of one `git_repository *`, freed when the owner goes away.
///
/// Deliberately not `Sendable`: an instance lives either in one local scope or inside the
/// `GitRepository` actor, which serialises every use. Keeping the free in this class's `deinit`
/// (rather than in the actor's nonisolated `deinit`) needs no unchecked sendability.
final class RepositoryHandle {
    /// The owned `git_repository *`.
    let pointer: OpaquePointer

    private init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        git_repository_free(pointer)
    }

    /// Opens the repository at `path` (no search of parent folders).
    static func open(at path: String, operation: String) throws(GitError) -> RepositoryHandle {
        try GitRuntime.start()
        var repository: OpaquePointer?
        try gitCheck(git_repository_open(&repository, path), operation)
        return try adopt(repository, operation: operation)
    }

    /// Creates a new bare repository at `path` (parents created as needed).
    static func initBare(at path: String, operation: String) throws(GitError) -> RepositoryHandle {
        try GitRuntime.start()
        var repository: OpaquePointer?
        try gitCheck(git_repository_init(&repository, path, 1), operation)
        return try adopt(repository, operation: operation)
    }

    private static func adopt(_ repository: OpaquePointer?, operation: String) throws(GitError) -> RepositoryHandle {
        guard let repository else {
            throw GitError(code: -1, class: GIT_ERROR_REPOSITORY, message: "libgit2 returned no repository", operation: operation)
        }
        return RepositoryHandle(repository)
    }
}
