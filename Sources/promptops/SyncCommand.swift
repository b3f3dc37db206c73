import ArgumentParser
import Foundation
import Logging
import PromptOpsController
import PromptOpsCore
import PromptOpsGit

/// `promptops sync (--config FILE | --repo REPO [--branch B] [--path P] --db FILE) [--revision REV]`
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Run one reconcile pass (per source of a config file), then exit.",
        discussion: "Exit 0 when every namespace applied (or had nothing to do), 1 when some namespace was blocked by errors (or a file was too large to read), 3 when git or the store failed.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "A ControllerConfig file: one pass per source, with its credentials, into its store.")
    var config: String?

    @Option(help: "A local repository path, or a URL (file://, https://, ssh://) cloned into a cache beside the database.")
    var repo: String?

    @Option(help: "The branch to follow.")
    var branch: String = "main"

    @Option(help: "The folder inside the repository that holds manifests (default: the whole repository).")
    var path: String = ""

    @Option(help: "The SQLite serving store (created when missing; with --config, overrides store.path).")
    var db: String?

    @Option(help: "Apply this revision instead of the branch head (one repository only).")
    var revision: String?

    @Flag(help: "Read every file, even when the store already holds a revision to start from.")
    var full = false

    func validate() throws {
        if config == nil && (repo == nil || db == nil) { throw ValidationError("give --config FILE, or --repo and --db") }
        if config != nil && repo != nil { throw ValidationError("give --config or --repo, not both") }
    }

    func run() async throws {
        let logger = global.logger("promptops.sync")
        if let config {
            try await runConfigured(try loadControllerConfig(config), logger: logger)
            return
        }
        let store = try openStore(db!)
        let location = RepositoryLocation(repo: repo!, branch: branch, path: path, databasePath: db!)
        let reconciler = Reconciler(location: location, store: store)
        // Start from what the store holds: read only what changed since its revision.
        if !full { await reconciler.startFromStore() }
        let report: SyncReport
        do {
            report = try await reconciler.reconcile(revision: revision)
        } catch {
            throw CommandExit.environment("error: \(error)")
        }
        ControllerService.log(report, to: logger)
        print(SyncSummary.text(report), terminator: "")
        if !report.failedNamespaces.isEmpty || report.apply.failures.count > 0 || report.unread.hasErrors { throw CommandExit.invalid() }
    }

    /// One pass per source, in the controller's way (credentials, fetch child with timeout,
    /// namespace ownership); sources whose namespaces another source also defines pass again,
    /// so both see the conflict, as they would in the running controller.
    func runConfigured(_ config: ControllerConfig, logger: Logger) async throws {
        guard let dbPath = db ?? config.storePath else { throw CommandExit.invalid("error: no store: set store.path or give --db") }
        guard revision == nil || config.sources.count == 1 else { throw CommandExit.usage("error: --revision needs a config with one source") }
        let sources: [RuntimeSource]
        do {
            sources = try config.sources.map { source in
                var resolved = try RuntimeSource.resolve(source, databasePath: dbPath, secrets: SecretResolver())
                resolved.providers = config.providerGrants
                return resolved
            }
        } catch {
            throw CommandExit.invalid("error: \(error)")
        }
        signal(SIGPIPE, SIG_IGN)
        let store = try openStore(dbPath)
        let claims = NamespaceClaims()
        await claims.seed((try? store.namespaceOwners()) ?? [:], sources: Set(sources.map(\.name)))
        let again = NamespaceCollector()
        await claims.setOnChange { names in again.add(names) }
        let fetcher = GitFetchRunner(executable: GitFetchRunner.currentExecutable)
        let platformNames = Set(config.sources.filter(\.platform).map(\.name))
        let platform = platformNames.isEmpty ? nil : PlatformPolicies(platformSources: platformNames)
        platform?.seed(from: store)
        var reconcilers: [String: Reconciler] = [:]
        for (index, source) in sources.enumerated() {
            var location = source.location
            location.fetcher = fetcher
            let reconciler = Reconciler(location: location, store: store, source: .init(name: source.name, primary: index == 0), claims: claims)
            await reconciler.configure(grant: source.grant, verifier: source.verifier, platform: platform, providers: source.providers)
            if !full { await reconciler.startFromStore() }
            reconcilers[source.name] = reconciler
        }
        var reports: [String: SyncReport] = [:]
        var failed: [String] = []
        func pass(_ name: String) async {
            do {
                reports[name] = try await reconcilers[name]!.reconcile(revision: revision)
            } catch {
                failed.append(name)
                FileHandle.standardError.write(Data("error: source \(name): \(error)\n".utf8))
            }
        }
        // Platform sources first: the others are checked against their Policies.
        for source in sources where platformNames.contains(source.name) { await pass(source.name) }
        for source in sources where !platformNames.contains(source.name) { await pass(source.name) }
        for name in again.take().sorted() where reconcilers[name] != nil && !failed.contains(name) { await pass(name) }
        for source in sources {
            guard let report = reports[source.name] else { continue }
            ControllerService.log(report, to: logger)
            print("\(source.name): " + SyncSummary.text(report), terminator: "")
        }
        if !failed.isEmpty { throw CommandExit.environment("") }
        if reports.values.contains(where: { !$0.failedNamespaces.isEmpty || $0.apply.failures.count > 0 || !$0.refused.isEmpty }) {
            throw CommandExit.invalid()
        }
    }
}

/// Names gathered from a callback (the sources asked to pass again).
final class NamespaceCollector: @unchecked Sendable {
    // Guarded by `lock`: written from the claims actor, read by the command after the passes.
    private let lock = NSLock()
    private var names: Set<String> = []
    func add(_ more: Set<String>) { lock.withLock { names.formUnion(more) } }
    func take() -> Set<String> { lock.withLock { defer { names = [] }; return names } }
}

/// A short human summary of a sync pass.
enum SyncSummary {
    static func text(_ report: SyncReport) -> String {
        var out = "revision \(report.revision.prefix(12)) by \(report.commit.authorName): \(report.commit.summary)\n"
        if report.unchanged { out += "  the store already holds this revision: nothing read, nothing written\n" }
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
        for r in report.refused { out += "  refused: \(r)\n" }
        for u in report.unread { out += "  not read: \(u)\n" }
        if let from = report.forcePushedFrom {
            out += "  force-pushed: \(report.revision.prefix(12)) does not descend from the applied \(from.prefix(12)); applied it\n"
        }
        if let why = report.recloned { out += "  the cached clone was corrupted and was cloned again (\(why))\n" }
        if let signer = report.signer { out += "  signed by \(signer.principal) (\(signer.mode) \(signer.fingerprint))\n" }
        out += "\(report.filesRead) file\(report.filesRead == 1 ? "" : "s") read in \(report.duration)\n"
        return out
    }
}
