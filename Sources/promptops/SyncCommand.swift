import ArgumentParser
import Foundation
import PromptOpsController
import PromptOpsCore

/// `promptops sync --repo REPO [--branch B] [--path P] --db FILE [--revision REV]`
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Run one reconcile pass, then exit.",
        discussion: "Exit 0 when every namespace applied (or had nothing to do), 1 when some namespace was blocked by errors, 3 when git or the store failed.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var source: SourceOptions

    @Option(help: "The SQLite serving store (created when missing).")
    var db: String

    @Option(help: "Apply this revision instead of the branch head.")
    var revision: String?

    func run() async throws {
        let logger = global.logger("promptops.sync")
        let store = try openStore(db)
        let reconciler = Reconciler(location: source.location(database: db), store: store)
        let report: SyncReport
        do {
            report = try await reconciler.reconcile(revision: revision)
        } catch {
            throw CommandExit.environment("error: \(error)")
        }
        ControllerService.log(report, to: logger)
        print(SyncSummary.text(report), terminator: "")
        if !report.failedNamespaces.isEmpty || report.apply.failures.count > 0 { throw CommandExit.invalid() }
    }
}

/// A short human summary of a sync pass.
enum SyncSummary {
    static func text(_ report: SyncReport) -> String {
        var out = "revision \(report.revision.prefix(12)) by \(report.commit.authorName): \(report.commit.summary)\n"
        for ns in report.plan.namespaces {
            let result = report.apply.namespaces.first { $0.namespace == ns.name }
            switch ns.outcome {
            case .apply where ns.isEmpty:
                out += "  \(ns.name): unchanged\n"
            case .apply:
                if let error = result?.error {
                    out += "  \(ns.name): failed to write: \(error)\n"
                } else {
                    out += "  \(ns.name): applied (+\(ns.added.count) ~\(ns.changed.count) -\(ns.removed.count), \(ns.newVersions.count) new version\(ns.newVersions.count == 1 ? "" : "s"), \(ns.switches.count) switch\(ns.switches.count == 1 ? "" : "es"))\n"
                }
            case .blocked:
                out += "  \(ns.name): blocked, still serving its last applied revision (\(ns.errors.count) error\(ns.errors.count == 1 ? "" : "s"))\n"
                for e in ns.errors { out += "    \(e)\n" }
            case .frozen(let policy, let until):
                out += "  \(ns.name): waiting for freeze window of policy \(policy) to close at \(ISO8601DateFormatter().string(from: until))\n"
            }
            for w in ns.warnings { out += "    \(w)\n" }
        }
        out += "\(report.filesRead) file\(report.filesRead == 1 ? "" : "s") read in \(report.duration)\n"
        return out
    }
}
