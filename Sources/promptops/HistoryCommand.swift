import ArgumentParser
import Foundation
import PromptOpsStore

/// `promptops history NAME [--namespace NS] --db FILE`
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Versions of a template (with commit and author), or the rollout history of a Deployment.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A PromptTemplate or Deployment name.")
    var name: String

    @Option(help: "Its namespace.")
    var namespace: String = "default"

    @Option(help: "The serving store.")
    var db: String

    @Option(help: "Output format: text or json.")
    var format: StatusCommand.Format = .text

    func run() throws {
        _ = global.logger("promptops.history")
        let store = try openStore(db)
        let history: ObjectHistory?
        do {
            history = try store.history(namespace: namespace, name: name)
        } catch {
            throw CommandExit.environment("error: \(error)")
        }
        guard let history, !(history.versions.isEmpty && history.rollouts.isEmpty) else {
            throw CommandExit.invalid("error: no template or deployment '\(name)' in namespace '\(namespace)'")
        }
        if format == .json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            e.dateEncodingStrategy = .iso8601
            print(String(decoding: try e.encode(history), as: UTF8.self))
            return
        }
        let iso = ISO8601DateFormatter()
        var out = ""
        if !history.versions.isEmpty {
            out += Table.render([["VERSION", "HASH", "REVISION", "AUTHOR", "SIGNER", "COMMITTED", "STORED"]] + history.versions.map {
                ["v\($0.version)", String($0.hash.prefix(12)), String($0.revision.prefix(12)), "\($0.author) <\($0.authorEmail)>",
                 $0.signer.map { "\($0.principal) (\($0.mode) \($0.fingerprint))" } ?? "-",
                 iso.string(from: $0.committedAt), iso.string(from: $0.createdAt)]
            })
        }
        if !history.rollouts.isEmpty {
            if !out.isEmpty { out += "\n" }
            out += Table.render([["TIME", "DEPLOYMENT", "ACTION", "FROM", "TO", "REVISION"]] + history.rollouts.map {
                [iso.string(from: $0.time), $0.deployment, $0.action, $0.from.map { "v\($0.version)" } ?? "-", "v\($0.to.version)", String($0.revision.prefix(12))]
            })
        }
        print(out, terminator: "")
    }
}
