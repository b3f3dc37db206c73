import ArgumentParser
import Foundation
import PromptOpsController
import PromptOpsGit

/// `promptops git-fetch` (hidden): the child process the controller runs every clone and
/// fetch in, so a remote that never answers can be bounded by killing the child (libgit2 1.5
/// has no timeout option). Reads one ``GitFetchRequest`` as JSON on standard input (secrets
/// travel there, never in arguments or the environment), prints nothing on success, and on
/// failure writes the error (never a secret) as one line to standard error and exits 3.
struct GitFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "git-fetch",
        abstract: "Internal: fetch one mirror cache (run by the controller).",
        shouldDisplay: false)

    func run() throws {
        let input = FileHandle.standardInput.readDataToEndOfFile()
        let request: GitFetchRequest
        do {
            request = try JSONDecoder().decode(GitFetchRequest.self, from: input)
        } catch {
            throw CommandExit.usage("error: git-fetch expects a JSON request on standard input")
        }
        do {
            try GitRepository.syncMirror(url: request.url, cacheDirectory: request.cacheDirectory, credentials: request.credentials,
                                         timeout: .milliseconds(request.timeoutMilliseconds))
        } catch {
            throw CommandExit.environment(error.description)
        }
    }
}
