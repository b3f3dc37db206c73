import ArgumentParser
import Foundation
import PromptOpsStore

/// `promptops backup --db FILE --output FILE`
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the serving store consistently while the controller runs, then check the copy.",
        discussion: "SQLite's online backup from one read snapshot; the copy is checked with integrity_check and audit verify. Exit 1 when a check fails; an existing output file is refused.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "The serving store.")
    var db: String

    @Option(help: "Where to write the copy (must not exist).")
    var output: String

    func run() throws {
        _ = global.logger("promptops.backup")
        guard FileManager.default.fileExists(atPath: db) else { throw CommandExit.environment("error: no store at \(db)") }
        let store = try openStore(db)
        let report: BackupReport
        do {
            report = try store.backup(to: output)
        } catch {
            throw CommandExit.environment("error: \(error)")
        }
        guard report.integrityOK, report.audit.isIntact else {
            throw CommandExit.invalid("backup \(output) FAILED its checks: integrity \(report.integrityOK ? "ok" : "broken"), audit "
                                      + (report.audit.isIntact ? "intact" : "broken at \(report.audit.brokenAt.map(String.init) ?? "?")"))
        }
        print("backup written: \(output) (\(report.bytes) bytes); integrity ok; audit log intact: \(report.audit.recordCount) records, head \(report.audit.headHash.prefix(16))")
    }
}
