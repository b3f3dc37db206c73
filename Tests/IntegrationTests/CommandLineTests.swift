import Foundation
import PromptOpsTestSupport
import Testing

/// The `promptops` executable as users and CI run it: exit codes, output formats.
@Suite("Command line")
struct CommandLineTests {
    /// The built executable, beside the test bundle in the build folder.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("promptops")
    }

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Run { var code: Int32; var out: String; var err: String }

    static func run(_ args: [String], cwd: URL = packageRoot) throws -> Run {
        let r = try ChildProcess.run(binary.path, args, directory: cwd.path)
        return Run(code: r.status, out: r.out, err: r.err)
    }

    @Test func binaryIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the package first: \(Self.binary.path)")
    }

    @Test func examplesValidateClean() throws {
        // Every prompt repository under examples/ (ci/ holds a workflow, config/ a controller config).
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.packageRoot.appendingPathComponent("examples").path)
            .filter { !["ci", "config"].contains($0) && !$0.hasPrefix(".") }.sorted().map { "examples/\($0)" }
        #expect(folders.count >= 2)
        let r = try Self.run(["validate"] + folders)
        #expect(r.code == 0, "\(r.out)\(r.err)")
        #expect(r.out.isEmpty)
    }

    @Test func brokenManifestsExitOneWithPositionsInEveryFormat() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "apiVersion: promptops.dev/v1alpha1\nkind: PromptTemplate\nmetadata: {name: Bad_Name, colour: red}\nspec: {text: \"{{who}}\"}\n"
            .write(to: dir.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try "kind: [unclosed\n".write(to: dir.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        let text = try Self.run(["validate", dir.path])
        #expect(text.code == 1)
        let lines = text.out.split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines.allSatisfy { $0.range(of: #"^/.+\.yaml:\d+:\d+: error: "#, options: .regularExpression) != nil })
        let github = try Self.run(["validate", "--format", "github", dir.path])
        #expect(github.code == 1)
        #expect(github.out.split(separator: "\n").allSatisfy { $0.hasPrefix("::error file=") && $0.contains(",line=") && $0.contains(",col=") })
        let json = try Self.run(["validate", "--format", "json", dir.path])
        #expect(json.code == 1)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]])
        #expect(array.count == 4)
        #expect(array.allSatisfy { Set($0.keys) == ["path", "line", "column", "severity", "message", "kind", "name", "namespace"] })
    }

    @Test func renderRefusesMissingMistypedAndUndeclaredInputsByName() throws {
        let base = ["render", "examples/quickstart", "--namespace", "support", "--template", "refund-decision"]
        let ok = try Self.run(base + ["--var", "customer_name=Sam", "--var", "order_id=B-7", "--var", "amount=19.99", "--var", "days_since_delivery=3"])
        #expect(ok.code == 0)
        #expect(ok.out.contains("Decide whether to refund order B-7 (19.99 EUR)"))
        let missing = try Self.run(base + ["--var", "customer_name=Sam"])
        #expect(missing.code == 1)
        #expect(missing.err.contains("input 'order_id'"))
        let mistyped = try Self.run(base + ["--var", "customer_name=Sam", "--var", "order_id=B", "--var", "amount=lots", "--var", "days_since_delivery=3"])
        #expect(mistyped.code == 1)
        #expect(mistyped.err.contains("input 'amount'"))
        let undeclared = try Self.run(base + ["--var", "customer_name=Sam", "--var", "order_id=B", "--var", "amount=1", "--var", "days_since_delivery=3", "--var", "coupon=X"])
        #expect(undeclared.code == 1)
        #expect(undeclared.err.contains("input 'coupon'"))
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try Self.run(["validate", "--format", "yaml", "examples"]).code == 2)
        #expect(try Self.run(["status"]).code == 2)
        #expect(try Self.run(["no-such-command"]).code == 2)
    }

    @Test func unreadablePathsExitThree() throws {
        #expect(try Self.run(["validate", "/no/such/place"]).code == 3)
    }
}

extension CommandLineTests {
    @Test func syncStatusHistoryAuditAndRolloutOverridesFromTheCommandLine() throws {
        let ws = try GitWorkspace()
        try ws.commit(["shop/greet.yaml": CanaryManifests.template("v1 {{who}}"),
                       "shop/deploy.yaml": CanaryManifests.deployment(port: 9)], message: "v1")
        let db = ws.path("store.db")
        let sync = try Self.run(["sync", "--repo", ws.repo.path, "--db", db])
        #expect(sync.code == 0, "\(sync.out)\(sync.err)")
        #expect(sync.out.contains("shop: applied"))
        let status = try Self.run(["status", "--db", db, "--format", "json"])
        #expect(status.code == 0)
        #expect(status.out.contains("\"phase\" : \"Healthy\""))
        let history = try Self.run(["history", "greet", "--namespace", "shop", "--db", db])
        #expect(history.code == 0)
        #expect(history.out.contains("Ana Lima"))
        // No canary runs: overrides say so and exit 1, naming nothing they did.
        let promote = try Self.run(["rollout", "promote", "greet-prod", "--namespace", "shop", "--db", db, "--actor", "dana"])
        #expect(promote.code == 1)
        #expect(promote.err.contains("nothing to promote"))
        let missing = try Self.run(["rollout", "abort", "ghost", "--namespace", "shop", "--db", db])
        #expect(missing.code == 1)
        #expect(missing.err.contains("no Deployment 'ghost'"))
        let audit = try Self.run(["audit", "verify", "--db", db])
        #expect(audit.code == 0)
        #expect(audit.out.contains("audit log intact"))
        // A broken commit: sync exits 1 and keeps serving.
        try ws.commit(["shop/greet.yaml": CanaryManifests.template("v2 {{nobody}}")], message: "broken")
        let broken = try Self.run(["sync", "--repo", ws.repo.path, "--db", db])
        #expect(broken.code == 1)
        #expect(broken.out.contains("shop/greet.yaml:6:"))
        let diff = try Self.run(["diff", "--repo", ws.repo.path, "--from", "HEAD~1", "--to", "HEAD", "--format", "json"])
        #expect(diff.code == 1)
        #expect(diff.out.contains("\"outcome\" : \"blocked\""))
    }
}

/// `promptops sync` run again and again, as CI jobs and cron do: it starts from the store.
@Suite("One-shot sync from the store's revision")
struct OneShotSyncTests {
    /// Three namespaces, four templates and four Direct Deployments each (24 files).
    static func repository() -> [String: String?] {
        var files: [String: String?] = [:]
        for ns in ["alpha", "beta", "gamma"] {
            for t in 0..<4 {
                files["\(ns)/t\(t).yaml"] = Manifests.template("t\(t)", namespace: ns, text: "\(ns) \(t) {{who}}")
                files["\(ns)/d\(t).yaml"] = Manifests.deployment("t\(t)-prod", namespace: ns, template: "t\(t)")
            }
        }
        return files
    }

    /// The second store, synced at every step with `--full` (every file read).
    static func fullSync(_ ws: GitWorkspace, _ name: String) throws -> ServedSummary {
        let db = ws.path(name)
        let run = try CommandLineTests.run(["sync", "--full", "--repo", ws.repo.path, "--db", db])
        #expect(run.code == 0, "\(run.out)\(run.err)")
        return try ServedSummary(db)
    }

    @Test func aRepeatedSyncReadsAndWritesNothingAndAOneFileCommitReadsItsNamespace() throws {
        let ws = try GitWorkspace()
        try ws.commit(Self.repository(), message: "first")
        let db = ws.path("store.db")
        let first = try CommandLineTests.run(["sync", "--repo", ws.repo.path, "--db", db])
        #expect(first.code == 0, "\(first.out)\(first.err)")
        #expect(first.out.contains("24 files read"), "\(first.out)")
        _ = try Self.fullSync(ws, "full.db")

        // The same commit again: nothing read, nothing written (every row and status the same;
        // SQLite itself may still touch the file's header and free pages on open).
        let before = try ServedSummary(db, withTimes: true)
        let again = try CommandLineTests.run(["sync", "--repo", ws.repo.path, "--db", db])
        #expect(again.code == 0, "\(again.out)\(again.err)")
        #expect(again.out.contains("nothing read, nothing written") && again.out.contains("0 files read"), "\(again.out)")
        #expect(try ServedSummary(db, withTimes: true) == before, "a sync of the applied revision wrote to the store")

        // One file of beta changes: only it is read (beta's seven other files stand in from
        // the store's served objects), beta applies, the others only move to the new revision;
        // the store ends as a full sync's would.
        try ws.commit(["beta/t1.yaml": Manifests.template("t1", namespace: "beta", text: "changed {{who}}")], message: "one file")
        let one = try CommandLineTests.run(["sync", "--repo", ws.repo.path, "--db", db])
        #expect(one.code == 0, "\(one.out)\(one.err)")
        #expect(one.out.contains("1 file read"), "\(one.out)")
        #expect(one.out.contains("beta: applied (+0 ~1 -0, 1 new version"), "\(one.out)")
        #expect(one.out.contains("alpha: unchanged") && one.out.contains("gamma: unchanged"), "\(one.out)")
        let full1 = try Self.fullSync(ws, "full.db"), mine1 = try ServedSummary(db)
        #expect(mine1 == full1, "\(mine1.difference(from: full1))")

        // A file moving an object to another namespace brings that namespace's files in.
        try ws.commit(["gamma/t0.yaml": nil, "alpha/t9.yaml": Manifests.template("t9", namespace: "alpha", text: "moved {{who}}"),
                       "gamma/d0.yaml": Manifests.deployment("t0-prod", namespace: "gamma", template: "t1")], message: "move")
        let moved = try CommandLineTests.run(["sync", "--repo", ws.repo.path, "--db", db])
        #expect(moved.code == 0, "\(moved.out)\(moved.err)")
        let full2 = try Self.fullSync(ws, "full.db"), mine2 = try ServedSummary(db)
        #expect(mine2 == full2, "\(mine2.difference(from: full2))")

        // A force-push that drops the applied commit: every file is read, and the store ends right.
        try ws.git("reset", "-q", "--hard", "HEAD~2")
        try ws.commit(["alpha/t2.yaml": Manifests.template("t2", namespace: "alpha", text: "rewritten {{who}}")], message: "rewritten")
        try ws.git("reflog", "expire", "--expire=now", "--all")
        try ws.git("gc", "-q", "--prune=now")
        let pushed = try CommandLineTests.run(["sync", "--repo", ws.repo.path, "--db", db])
        #expect(pushed.code == 0, "\(pushed.out)\(pushed.err)")
        #expect(pushed.out.contains("24 files read"), "\(pushed.out)")
        let full3 = try Self.fullSync(ws, "full.db"), mine3 = try ServedSummary(db)
        #expect(mine3 == full3, "\(mine3.difference(from: full3))")
    }
}

/// `promptops sync --config` with two sources: each starts from its own revision in the store.
@Suite("One-shot sync of configured sources from the store")
struct OneShotConfiguredSyncTests {
    static func files(_ namespaces: [String]) -> [String: String?] {
        var files: [String: String?] = [:]
        for ns in namespaces {
            for t in 0..<4 {
                files["\(ns)/t\(t).yaml"] = Manifests.template("t\(t)", namespace: ns, text: "\(ns) \(t) {{who}}")
                files["\(ns)/d\(t).yaml"] = Manifests.deployment("t\(t)-prod", namespace: ns, template: "t\(t)")
            }
        }
        return files
    }

    static func config(_ a: GitWorkspace, _ b: GitWorkspace, store: String, grantA: String = "") -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: ControllerConfig
        store: {path: \(store)}
        sources:
          - {name: team-a, url: \(a.repo.path), interval: 1h\(grantA)}
          - {name: team-b, url: \(b.repo.path), interval: 1h}
        """
    }

    @Test func eachSourceStartsFromItsRevisionAndAChangedGrantReadsEverything() throws {
        let a = try GitWorkspace(), b = try GitWorkspace()
        try a.commit(OneShotSyncTests.repository().filter { !$0.key.hasPrefix("gamma/") }, message: "a")
        try b.commit(OneShotSyncTests.repository().filter { $0.key.hasPrefix("gamma/") }, message: "b")
        let dir = a.path("cfg")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.config(a, b, store: dir + "/store.db").write(toFile: dir + "/one.yaml", atomically: true, encoding: .utf8)
        try Self.config(a, b, store: dir + "/full.db").write(toFile: dir + "/full.yaml", atomically: true, encoding: .utf8)
        func sync(_ file: String, full: Bool = false) throws -> String {
            let run = try CommandLineTests.run(["sync", "--config", dir + "/" + file] + (full ? ["--full"] : []))
            #expect(run.code == 0, "\(run.out)\(run.err)")
            return run.out
        }
        let first = try sync("one.yaml")
        #expect(first.contains("16 files read") && first.contains("8 files read"), "\(first)")
        _ = try sync("full.yaml", full: true)

        let before = try ServedSummary(dir + "/store.db", withTimes: true)
        let again = try sync("one.yaml")
        #expect(again.components(separatedBy: "nothing read, nothing written").count == 3, "\(again)")
        #expect(try ServedSummary(dir + "/store.db", withTimes: true) == before)

        // One file of team-a's alpha: team-a reads alpha's eight files, team-b nothing.
        try a.commit(["alpha/t2.yaml": Manifests.template("t2", namespace: "alpha", text: "changed {{who}}")], message: "one file")
        let one = try sync("one.yaml")
        #expect(one.contains("team-a: ") && one.contains("8 files read") && one.contains("alpha: applied"), "\(one)")
        #expect(one.contains("nothing read, nothing written"), "team-b has nothing to do: \(one)")
        _ = try sync("full.yaml", full: true)
        let mine = try ServedSummary(dir + "/store.db"), full = try ServedSummary(dir + "/full.db")
        #expect(mine == full, "\(mine.difference(from: full))")

        // A changed grant: the store's revision was checked under another one, so team-a reads everything.
        try Self.config(a, b, store: dir + "/store.db", grantA: ", namespaces: [alpha, beta]")
            .write(toFile: dir + "/one.yaml", atomically: true, encoding: .utf8)
        let regranted = try sync("one.yaml")
        #expect(regranted.contains("16 files read"), "\(regranted)")
    }
}

/// The controller refuses a bad configuration file before starting, as `validate` would.
@Suite("Controller configuration on the command line")
struct ControllerConfigCommandLineTests {
    /// A new temporary folder for one test's config and store.
    static func folder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("promptops-cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aBadConfigFileIsRefusedWithLocatedErrorsAndExit1() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("controller.yaml").path
        try """
        apiVersion: promptops.dev/v1alpha1
        kind: ControllerConfig
        store: {path: \(dir.path)/s.db}
        sources:
          - name: prompts
            url: https://example.com/p.git
            auth: {https: {username: u, password: tok-inline-4711}}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try CommandLineTests.run(["controller", "--config", file])
        #expect(r.code == 1)
        #expect(r.err.contains("\(file):7:43: error: sources[0].auth.https.password: secrets are never written inline"), "\(r.err)")
        #expect(!r.err.contains("tok-inline-4711"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir.path)/s.db"), "nothing starts on a bad config")
    }

    @Test func aSecretThatCannotBeReadStopsTheStartNamingWhereNotWhat() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("controller.yaml").path
        try """
        apiVersion: promptops.dev/v1alpha1
        kind: ControllerConfig
        store: {path: \(dir.path)/s.db}
        sources:
          - name: prompts
            url: https://example.com/p.git
            auth: {https: {username: u, password: {fromEnv: PROMPTOPS_TEST_UNSET_\(UUID().uuidString.prefix(8))}}}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try CommandLineTests.run(["controller", "--config", file])
        #expect(r.code == 1)
        #expect(r.err.contains("source prompts: environment variable PROMPTOPS_TEST_UNSET_"), "\(r.err)")
    }

    @Test func aNonLoopbackListenNeedsAnExplicitOpenAccess() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("controller.yaml").path
        try """
        apiVersion: promptops.dev/v1alpha1
        kind: ControllerConfig
        listen: 0.0.0.0:8080
        store: {path: \(dir.path)/s.db}
        sources: [{name: prompts, url: \(dir.path)}]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try CommandLineTests.run(["controller", "--config", file])
        #expect(r.code == 1)
        #expect(r.err.contains("access: {open: true}"), "\(r.err)")
    }

    @Test func schemaCommandWritesTheControllerConfigSchema() throws {
        let r = try CommandLineTests.run(["schema", "--kind", "ControllerConfig"])
        #expect(r.code == 0)
        let committed = try String(contentsOf: CommandLineTests.packageRoot.appendingPathComponent("manifests/controllerconfig.schema.json"), encoding: .utf8)
        #expect(r.out == committed)
    }
}
