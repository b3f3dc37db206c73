import ArgumentParser
import Foundation
import PromptOpsController
import PromptOpsStore

/// Where manifests come from: `--repo`, `--branch`, `--path`.
struct SourceOptions: ParsableArguments {
    @Option(help: "A local repository path, or a URL (file://, https://, ssh://) cloned into a cache beside the database.")
    var repo: String

    @Option(help: "The branch to follow.")
    var branch: String = "main"

    @Option(help: "The folder inside the repository that holds manifests (default: the whole repository).")
    var path: String = ""

    /// The location, with the clone cache beside `database` (or in the temp folder).
    func location(database: String?) -> RepositoryLocation {
        RepositoryLocation(repo: repo, branch: branch, path: path,
                           databasePath: database ?? (NSTemporaryDirectory() + "promptops"))
    }
}

/// Opens the serving store, mapping failures to exit code 3.
func openStore(_ path: String) throws -> ServingStore {
    do {
        return try ServingStore(path: path)
    } catch {
        throw CommandExit.environment("error: cannot open store \(path): \(error)")
    }
}
