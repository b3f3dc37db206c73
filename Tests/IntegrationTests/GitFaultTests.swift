import Foundation
import PromptOpsController
import PromptOpsCore
import PromptOpsGit
import PromptOpsStore
import Testing

/// What a repository or a cache can do wrong: links, submodules, huge files, corrupted caches,
/// rewritten history. Each against a real git repository, the real reconciler and store.
@Suite("Git faults: links, submodules, huge files, corrupted caches, force-pushes")
struct GitFaultTests {
    /// A reconciler of `repo` (a path or URL) writing `store.db` in the workspace.
    static func reconciler(_ workspace: GitWorkspace, repo: String? = nil, fetcher: Bool = false) throws -> (Reconciler, ServingStore, RepositoryLocation) {
        let db = workspace.path("store.db")
        let store = try ServingStore(path: db)
        var location = RepositoryLocation(repo: repo ?? workspace.repo.path, databasePath: db)
        if fetcher { location.fetcher = GitFetchRunner(executable: CommandLineTests.binary.path) }
        return (Reconciler(location: location, store: store), store, location)
    }

    @Test func linksAndSubmodulesAreWarningsAtTheirPathAndNeverRead() async throws {
        let workspace = try GitWorkspace()
        let secret = "SECRET-\(UUID().uuidString)"
        // Outside the repository: a valid manifest that must never be applied through a link.
        let outside = workspace.path("outside")
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Manifests.template("stolen", namespace: "alpha", text: secret).write(toFile: outside + "/stolen.yaml", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: workspace.repo.path + "/evil.yaml", withDestinationPath: outside + "/stolen.yaml")
        try workspace.commit(Manifests.twoTeams())
        try workspace.git("update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,vendored")
        try workspace.git("commit", "-q", "-m", "submodule")
        let (reconciler, store, _) = try Self.reconciler(workspace)

        let first = try await reconciler.reconcile()
        #expect(first.unread.map(\.description) == [
            "evil.yaml:1:1: warning: symlink ignored: evil.yaml (links are never followed; commit the file itself)",
            "vendored:1:1: warning: submodule ignored: vendored (manifests inside a submodule are not read)",
        ])
        #expect(first.failedNamespaces.isEmpty)
        #expect(try store.templates(namespace: "alpha").map(\.name) == ["greet"])

        // Read incrementally: a link to a folder and a submodule appear, the first link goes.
        try workspace.git("rm", "-q", "evil.yaml")
        try FileManager.default.createSymbolicLink(atPath: workspace.repo.path + "/beta/more", withDestinationPath: outside)
        try workspace.git("add", "beta/more")
        try workspace.git("update-index", "--add", "--cacheinfo", "160000,2222222222222222222222222222222222222222,beta/shared")
        try workspace.git("commit", "-q", "-m", "more links")
        let second = try await reconciler.reconcile()
        #expect(second.filesRead < 4)
        #expect(second.unread.map(\.location.path) == ["beta/more", "beta/shared", "vendored"])
        #expect(second.unread.allSatisfy { $0.severity == .warning })
        #expect(try store.templates(namespace: "alpha").map(\.name) == ["greet"])
        let served = try store.events(limit: 1000).map(\.message).joined()
        #expect(!served.contains(secret))
    }

    @Test func validateNeverFollowsALinkNorPrintsWhatItPointsAt() throws {
        let workspace = try GitWorkspace()
        let secret = "SECRET-\(UUID().uuidString)"
        // Were they read, each would be an error quoting the secret ("kind: … got 'SECRET-…'").
        let outside = workspace.path("outside")
        try FileManager.default.createDirectory(atPath: outside + "/dir", withIntermediateDirectories: true)
        try "kind: \(secret)\n# root:x:0:0:\(secret):/root:/bin/bash\n".write(toFile: outside + "/passwd", atomically: true, encoding: .utf8)
        try "kind: \(secret)\n".write(toFile: outside + "/dir/leak.yaml", atomically: true, encoding: .utf8)
        try workspace.commit(Manifests.twoTeams())
        let repo = workspace.repo.path
        try FileManager.default.createSymbolicLink(atPath: repo + "/evil.yaml", withDestinationPath: outside + "/passwd")
        try FileManager.default.createSymbolicLink(atPath: repo + "/alpha/linked", withDestinationPath: outside + "/dir")
        try FileManager.default.createSymbolicLink(atPath: repo + "/beta/inside.yaml", withDestinationPath: "greet.yaml")

        for format in ["text", "json", "github"] {
            let run = try CommandLineTests.run(["validate", "--format", format, repo])
            #expect(run.code == 0, "\(run.out)\(run.err)")
            #expect(!(run.out + run.err).contains(secret))
            #expect(!(run.out + run.err).contains("/bin/bash"))
            if format == "text" {
                #expect(run.out == """
                    \(repo)/alpha/linked:1:1: warning: symlink ignored: \(repo)/alpha/linked (links are never followed; commit the file itself)
                    \(repo)/beta/inside.yaml:1:1: warning: symlink ignored: \(repo)/beta/inside.yaml (links are never followed; commit the file itself)
                    \(repo)/evil.yaml:1:1: warning: symlink ignored: \(repo)/evil.yaml (links are never followed; commit the file itself)

                    """)
            }
        }
        // Named directly, a link is not followed either.
        let direct = try CommandLineTests.run(["validate", repo + "/evil.yaml"])
        #expect(direct.code == 0 && direct.out.contains("symlink ignored") && !(direct.out + direct.err).contains(secret))
    }

        @Test func aFileOverTheLimitIsALocatedErrorNeverReadAndBlocksWhatItFed() async throws {
        let workspace = try GitWorkspace()
        try workspace.commit(Manifests.twoTeams())
        let (reconciler, store, _) = try Self.reconciler(workspace)
        _ = try await reconciler.reconcile()

        // alpha's template file grows to 50 MB (sparse, so cheap to make and to hash); a new
        // file of no known namespace is just over the limit.
        let size = 50_000_000
        #expect(truncate(workspace.repo.path + "/alpha/greet.yaml", off_t(size)) == 0)
        let justOver = String(repeating: "#\n", count: (1 << 19) + 1)
        try workspace.commit(["gamma/big.yaml": justOver])
        let report = try await reconciler.reconcile()
        #expect(report.unread.map(\.description) == [
            "alpha/greet.yaml:1:1: error: file is \(size) bytes; the limit is 1048576",
            "gamma/big.yaml:1:1: error: file is \((1 << 20) + 2) bytes; the limit is 1048576",
        ])
        // Not taken for deleted: alpha is blocked and keeps serving its template.
        #expect(report.failedNamespaces.map(\.name) == ["alpha"])
        #expect(report.failedNamespaces[0].errors.map(\.message).contains("file is \(size) bytes; the limit is 1048576"))
        #expect(try store.templates(namespace: "alpha").map(\.name) == ["greet"])
        #expect(try store.templates(namespace: "beta").map(\.name) == ["greet"])
    }

    @Test func overHTTPOnlyTheFollowedBranchIsDownloaded() async throws {
        let remote = try GitAccessTests.Remote()
        try remote.workspace.git("checkout", "-q", "-b", "other")
        let other = try remote.workspace.commit(["other/only.yaml": "other: \(UUID().uuidString)\n"], message: "other only")
        try remote.workspace.git("checkout", "-q", "main")
        try remote.workspace.git("push", "-q", remote.bare, "other")
        let port = freePort()
        let server = try Daemon("/usr/bin/python3", [CommandLineTests.packageRoot.path + "/hack/lib/git-http-server.py", "\(port)",
                                                     (remote.bare as NSString).deletingLastPathComponent, "user", "secret"])
        defer { withExtendedLifetime(server) {} }
        #expect(await waitForPort(port), "git http server did not start")
        let cache = remote.path("cache")
        try GitRepository.syncMirror(url: "http://127.0.0.1:\(port)/prompts.git", cacheDirectory: cache,
                                     credentials: .https(username: "user", password: "secret", caFile: nil), timeout: .seconds(30), branch: "main")
        let (code, _) = try runCommand("/usr/bin/git", ["-C", cache, "cat-file", "-e", other])
        #expect(code != 0, "the other branch's commit was downloaded")
        #expect(try runCommand("/usr/bin/git", ["-C", cache, "rev-parse", "refs/heads/main"]).1.hasPrefix(remote.first))
    }

    /// Damages the pack files of a clone: bytes overwritten in the middle, or cut short.
    static func corruptPacks(in cache: String, truncate: Bool) throws {
        let packs = try FileManager.default.contentsOfDirectory(atPath: cache + "/objects/pack").filter { $0.hasSuffix(".pack") }
        #expect(!packs.isEmpty)
        for pack in packs {
            let path = cache + "/objects/pack/" + pack
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            if truncate {
                bytes = Array(bytes.prefix(bytes.count / 2))
            } else {
                for i in 12..<(bytes.count - 20) { bytes[i] = 0xA5 }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
    }

    @Test(arguments: [(false, false), (false, true), (true, false), (true, true)])
    func aCorruptedCacheIsRemovedAndClonedAgainOnce(child: Bool, truncate: Bool) async throws {
        let remote = try GitAccessTests.Remote()
        var (reconciler, store, location) = try Self.reconciler(remote.workspace, repo: "file://" + remote.bare, fetcher: child)
        #expect(try await reconciler.reconcile().revision == remote.first)
        try Self.corruptPacks(in: location.cacheDirectory, truncate: truncate)
        let second = try remote.pushChange("Hello {{who}}, second")
        if !child {
            // In process the open repository keeps reading what it cached before the damage: a
            // restarted controller meets it.
            reconciler = Reconciler(location: location, store: store)
        }

        let report = try await reconciler.reconcile()
        #expect(report.revision == second)
        #expect(report.recloned != nil)
        #expect(try store.status().lastError == nil)
        // The fresh clone serves the next pass as usual.
        let third = try remote.pushChange("Hello {{who}}, third")
        let next = try await reconciler.reconcile()
        #expect(next.revision == third && next.recloned == nil)
    }

    @Test func aBrokenRemoteStillFailsWithItsErrorAndIsClonedOnceAtMost() async throws {
        let remote = try GitAccessTests.Remote()
        let (reconciler, store, location) = try Self.reconciler(remote.workspace, repo: "file://" + remote.bare, fetcher: true)
        _ = try await reconciler.reconcile()
        // The remote's own objects are damaged too: a fresh clone cannot help.
        try runCommand("/usr/bin/git", ["-C", remote.bare, "repack", "-q", "-a", "-d"])
        try runCommand("/usr/bin/git", ["-C", remote.bare, "prune-packed"])
        try Self.corruptPacks(in: remote.bare, truncate: false)
        try Self.corruptPacks(in: location.cacheDirectory, truncate: false)

        for _ in 0..<2 {
            await #expect(throws: SyncFailure.self) { try await reconciler.reconcile() }
            #expect(try store.status().lastError != nil)
        }
    }

    @Test func anAppliedRevisionCollectedAfterARewriteFallsBackToAFullRead() async throws {
        let remote = try GitAccessTests.Remote()
        let applied = try remote.pushChange("Hi {{who}}, A")
        let (reconciler, store, location) = try Self.reconciler(remote.workspace, repo: "file://" + remote.bare, fetcher: true)
        #expect(try await reconciler.reconcile().revision == applied)

        // Force-pushed, and the cache collected since (fetched and gc'd by hand here).
        let workspace = remote.workspace
        try workspace.git("reset", "-q", "--hard", "HEAD~1")
        let rewritten = try workspace.commit(["beta/greet.yaml": Manifests.template("greet", namespace: "beta", text: "Hi {{who}}, B")])
        try workspace.git("push", "-q", "-f", remote.bare, "main")
        let cache = location.cacheDirectory
        try runCommand("/usr/bin/git", ["-C", cache, "fetch", "-q", "origin", "+refs/heads/main:refs/heads/main"])
        try runCommand("/usr/bin/git", ["-C", cache, "reflog", "expire", "--expire=now", "--all"])
        try runCommand("/usr/bin/git", ["-C", cache, "gc", "-q", "--prune=now"])
        #expect(try runCommand("/usr/bin/git", ["-C", cache, "cat-file", "-e", applied]).0 != 0)

        let report = try await reconciler.reconcile()
        #expect(report.revision == rewritten)
        #expect(report.forcePushedFrom == applied)
        #expect(report.filesRead == 4)  // everything read again
        let status = try store.status()
        #expect(status.lastForcePush?.from == applied && status.lastForcePush?.to == rewritten)
        let event = try #require(try store.events(limit: 1000).last { $0.reason == "ForcePushed" })
        #expect(event.message.contains(String(applied.prefix(12))) && event.message.contains(String(rewritten.prefix(12))))
        #expect(event.message.contains("no longer in the repository"))
    }
}
