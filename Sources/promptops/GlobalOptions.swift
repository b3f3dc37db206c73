import ArgumentParser
import Logging
import PromptOpsController

extension LogFormat: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Options every command takes (contract: `--log-format text|json`, `--log-level`).
struct GlobalOptions: ParsableArguments {
    @Option(help: "Log format: text or json (logs go to standard error).")
    var logFormat: LogFormat = .text

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    /// Installs logging and returns the command's logger.
    func logger(_ label: String) -> Logger {
        LoggingSetup.bootstrap(format: logFormat, level: logLevel)
        return Logger(label: label)
    }
}
