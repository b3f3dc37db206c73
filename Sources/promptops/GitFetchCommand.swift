import ArgumentParser
import Foundation
import PromptOpsController
import PromptOpsGit

/// `promptops git-fetch` (hidden): the child process the controller runs clones and fetches
/// in, so a remote that never answers can be bounded by killing the child (libgit2 1.5 has no
/// timeout option). Requests are JSON ``GitFetchRequest``s on standard input, one per line
/// (secrets travel there, never in arguments or the environment); each gets one JSON
/// ``GitFetchResponse`` line on standard output. The child stays up between fetches, so a
/// fetch does not pay for starting a process; it exits when its input closes. Errors never
/// hold a secret.
struct GitFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "git-fetch",
        abstract: "Internal: fetch mirror caches for the controller (JSON lines on standard input).",
        shouldDisplay: false)

    func run() throws {
        let encoder = JSONEncoder()
        while let line = readLine(strippingNewline: true) {
            guard !line.isEmpty else { continue }
            let response: GitFetchResponse
            if let request = try? JSONDecoder().decode(GitFetchRequest.self, from: Data(line.utf8)) {
                do {
                    try GitRepository.syncMirror(url: request.url, cacheDirectory: request.cacheDirectory, credentials: request.credentials,
                                                 timeout: .milliseconds(request.timeoutMilliseconds), branch: request.branch)
                    response = GitFetchResponse(error: nil)
                } catch {
                    response = GitFetchResponse(error: error)
                }
            } else {
                response = GitFetchResponse(error: GitError(code: -1, klass: 0, message: "not a fetch request", operation: "git-fetch"))
            }
            var out = (try? encoder.encode(response)) ?? Data(#"{"message":"cannot encode the answer"}"#.utf8)
            out.append(UInt8(ascii: "\n"))
            FileHandle.standardOutput.write(out)
        }
    }
}
