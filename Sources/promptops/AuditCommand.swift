import ArgumentParser
import Foundation
import PromptOpsStore

/// `promptops audit verify --db FILE`
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Work with the hash-chained audit log.",
        subcommands: [Verify.self])

    /// `audit verify`: recompute the chain; exit 1 on a break.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check the audit log's hash chain; exit 1 on a break.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "The serving store.")
        var db: String

        func run() throws {
            _ = global.logger("promptops.audit")
            let store = try openStore(db)
            let result: AuditVerification
            do {
                result = try store.verifyAudit()
            } catch {
                throw CommandExit.environment("error: \(error)")
            }
            if result.isIntact {
                print("audit log intact: \(result.recordCount) record\(result.recordCount == 1 ? "" : "s"), head \(result.headSeq.map(String.init) ?? "-") \(result.headHash.prefix(16))")
            } else {
                throw CommandExit.invalid("audit log BROKEN at record \(result.brokenAt.map(String.init) ?? "?"): \(result.problem ?? "hash mismatch")")
            }
        }
    }
}
