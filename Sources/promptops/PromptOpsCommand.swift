import ArgumentParser
import Foundation
import PromptOpsCore

/// The `promptops` command line. Exit codes (contract.md): 0 success, 1 invalid input or a
/// failed check, 2 usage error, 3 environment failure.
@main
struct PromptOpsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promptops",
        abstract: "GitOps controller for LLM prompts.",
        subcommands: [
            ValidateCommand.self, RenderCommand.self, DiffCommand.self, SyncCommand.self, ControllerCommand.self,
            StatusCommand.self, RolloutCommand.self, EvalCommand.self, HistoryCommand.self, AuditCommand.self, BackupCommand.self, SchemaCommand.self,
            GitFetchCommand.self,
        ])

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as CommandExit {
            if !exit.message.isEmpty { FileHandle.standardError.write(Data((exit.message + "\n").utf8)) }
            Foundation.exit(exit.code)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            // ArgumentParser reports usage errors as 64; the contract says 2.
            Foundation.exit(code == .validationFailure || code.rawValue == 64 ? 2 : code.rawValue)
        }
    }
}

/// Ends a command with a contract exit code and a message on standard error.
struct CommandExit: Error {
    /// The exit code.
    var code: Int32
    /// Printed to standard error when not empty.
    var message: String

    /// The input is invalid or a check failed.
    static func invalid(_ message: String = "") -> CommandExit { CommandExit(code: 1, message: message) }
    /// Bad usage.
    static func usage(_ message: String) -> CommandExit { CommandExit(code: 2, message: message) }
    /// Git, database or network failure, or an unreadable file.
    static func environment(_ message: String) -> CommandExit { CommandExit(code: 3, message: message) }
}
