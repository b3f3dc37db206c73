import ArgumentParser
import Foundation
import PromptOpsController
import PromptOpsCore
import PromptOpsGit

extension PlanReport.Format: ExpressibleByArgument {}

/// `promptops diff --repo REPO [--path P] --from REV --to REV` or `--db FILE [--rev REV]`.
struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what would change: between two commits, or between a commit and what the store serves.",
        discussion: "Objects added/changed/removed, the text diff of each changed message, new effective versions, Deployments that would switch, policy results. Exit 1 when some namespace would be blocked by errors.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "A local repository path or URL.")
    var repo: String

    @Option(help: "The folder inside the repository that holds manifests.")
    var path: String = ""

    @Option(help: "The base revision (with --to).")
    var from: String?

    @Option(help: "The target revision (with --from).")
    var to: String?

    @Option(help: "Compare against this serving store instead of a base commit.")
    var db: String?

    @Option(help: "With --db: the revision to compare (default: the branch head).")
    var rev: String?

    @Option(help: "With --db: the branch whose head is compared.")
    var branch: String = "main"

    @Option(help: "Output format: text, json or markdown (for a pull-request comment).")
    var format: PlanReport.Format = .text

    func validate() throws {
        if db == nil && (from == nil || to == nil) {
            throw ValidationError("give --from and --to, or --db (with an optional --rev)")
        }
        if db != nil && (from != nil || to != nil) {
            throw ValidationError("--db compares one revision with the store; do not combine it with --from/--to")
        }
    }

    func run() async throws {
        _ = global.logger("promptops.diff")
        let location = RepositoryLocation(repo: repo, branch: branch, path: path, databasePath: db ?? (NSTemporaryDirectory() + "promptops-diff"))
        let plan: Plan
        let base: String?
        do {
            let repository = try location.open()
            try await repository.fetch()
            if let db {
                let target = try await CommitSnapshot.read(repository, revision: rev ?? branch, path: location.path)
                let store = try openStore(db)
                let served = try store.servedState()
                plan = Planner.plan(revision: target.commit.sha, desired: target.desired, served: served, now: Date())
                base = nil
            } else {
                let old = try await CommitSnapshot.read(repository, revision: from!, path: location.path)
                let new = try await CommitSnapshot.read(repository, revision: to!, path: location.path)
                plan = Planner.plan(revision: new.commit.sha, desired: new.desired, served: ServedState(applying: old.desired), now: Date())
                base = old.commit.sha
            }
        } catch let error as GitError {
            throw CommandExit.environment("error: \(error)")
        }
        print(PlanReport.render(plan, format: format, from: base), terminator: "")
        if plan.namespaces.contains(where: { $0.outcome == .blocked }) { throw CommandExit.invalid() }
    }
}
