import CLibGit2

/// The process-wide libgit2 runtime, initialised exactly once.
enum GitRuntime {
    /// Result of `git_libgit2_init()`; Swift initialises static lets lazily and exactly once
    /// (thread-safe `swift_once`), which gives the once-per-process guarantee libgit2 wants.
    private static let initResult: Int32 = git_libgit2_init()

    /// Makes sure libgit2 is initialised; throws if initialisation failed.
    static func start() throws(GitError) {
        if initResult < 0 {
            throw GitError.last(code: initResult, operation: "initialise libgit2")
        }
    }
}
