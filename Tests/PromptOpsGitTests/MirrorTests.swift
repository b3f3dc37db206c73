import Foundation
import PromptOpsGit
import Testing

@Suite("Bare mirror clones: clone, fetch, failure and recovery")
struct MirrorTests {
    @Test func clonesFileURLAndFetchMovesMain() async throws {
        let origin = try GitFixture()
        try origin.write("prompts/a.yaml", "v: 1\n")
        let first = try origin.commit("first")
        try origin.git("tag", "-a", "v1", "-m", "one")
        let cache = origin.scratch("cache/mirror")

        let mirror = try GitRepository.openOrClone(url: "file://" + origin.path, cacheDirectory: cache)
        #expect(mirror.isMirror)
        #expect(try await mirror.resolve("main") == first)
        #expect(try await mirror.resolve("origin/main") == first)
        #expect(try await mirror.resolve("HEAD") == first)
        #expect(try await mirror.resolve("v1") == first)
        #expect(try await mirror.files(at: "main", under: "prompts", filter: { _ in true }).map(\.path) == ["prompts/a.yaml"])

        try origin.write("prompts/a.yaml", "v: 2\n")
        let second = try origin.commit("second")
        #expect(try await mirror.resolve("main") == first)  // nothing moves before a fetch
        try await mirror.fetch()
        #expect(try await mirror.resolve("main") == second)
        #expect(try await mirror.resolve("origin/main") == second)
        #expect(try await mirror.resolve("HEAD") == second)
        #expect(try await mirror.changes(from: first, to: "main", under: "prompts") == [.modified("prompts/a.yaml")])
        let files = try await mirror.files(at: "main", paths: ["prompts/a.yaml"])
        #expect(text(files[0].bytes) == "v: 2\n")

        // Opening the existing cache does not re-clone and sees the fetched state.
        let reopened = try GitRepository.openOrClone(url: "file://" + origin.path, cacheDirectory: cache)
        #expect(try await reopened.resolve("main") == second)
    }

    @Test func clonesPlainPathAndMirrorsBranchesTagsAndForcePushes() async throws {
        let origin = try GitFixture()
        let first = try origin.commit("first")
        let mirror = try GitRepository.openOrClone(url: origin.path, cacheDirectory: origin.scratch("cache"))
        #expect(try await mirror.resolve("main") == first)

        try origin.git("branch", "feature")
        try origin.git("tag", "later")
        let second = try origin.commit("second")
        try await mirror.fetch()
        #expect(try await mirror.resolve("feature") == first)
        #expect(try await mirror.resolve("later") == first)
        #expect(try await mirror.resolve("main") == second)

        // Force-push: main rewritten, feature deleted.
        try origin.git("reset", "-q", "--hard", first)
        let rewritten = try origin.commit("rewritten")
        try origin.git("branch", "-D", "feature")
        try await mirror.fetch()
        #expect(try await mirror.resolve("main") == rewritten)
        #expect(try await mirror.isAncestor(second, of: rewritten) == false)
        await #expect(throws: GitError.self) { try await mirror.resolve("feature") }
    }

    @Test func headFollowsTheOriginsDefaultBranch() async throws {
        let origin = try GitFixture()
        try origin.commit("on main")
        try origin.git("checkout", "-q", "-b", "trunk")
        let trunk = try origin.commit("on trunk")
        let mirror = try GitRepository.openOrClone(url: origin.path, cacheDirectory: origin.scratch("cache"))
        #expect(try await mirror.resolve("HEAD") == trunk)

        try origin.git("checkout", "-q", "main")
        let main = try origin.commit("main moves on")
        try await mirror.fetch()
        #expect(try await mirror.resolve("HEAD") == main)
    }

    @Test func fetchFailsWhileOriginIsGoneAndRecoversAfter() async throws {
        let origin = try GitFixture()
        let first = try origin.commit("first")
        let mirror = try GitRepository.openOrClone(url: "file://" + origin.path, cacheDirectory: origin.scratch("cache"))
        let second = try origin.commit("second")

        let parked = origin.scratch("parked")
        try FileManager.default.moveItem(atPath: origin.path, toPath: parked)
        let error = try await #require(throws: GitError.self) { try await mirror.fetch() }
        #expect(!error.message.isEmpty)
        #expect(error.operation.contains("fetch"))
        #expect(try await mirror.resolve("main") == first)  // the cache still answers with what it had

        try FileManager.default.moveItem(atPath: parked, toPath: origin.path)
        try await mirror.fetch()
        #expect(try await mirror.resolve("main") == second)
    }

    @Test func failedCloneLeavesNothingBehind() async throws {
        let fixture = try GitFixture()
        let cache = fixture.scratch("cache")

        let error = try #require(throws: GitError.self) {
            try GitRepository.openOrClone(url: fixture.scratch("no-such-origin"), cacheDirectory: cache)
        }
        #expect(!error.message.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: cache))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.root.path)
        #expect(leftovers == ["origin"])
    }

    @Test func cacheOfAnotherURLIsRefused() async throws {
        let origin = try GitFixture()
        try origin.commit("first")
        let other = origin.scratch("other")
        try origin.git("clone", "-q", origin.path, other, in: origin.root.path)
        let cache = origin.scratch("cache")
        _ = try GitRepository.openOrClone(url: origin.path, cacheDirectory: cache)

        let error = try #require(throws: GitError.self) { try GitRepository.openOrClone(url: other, cacheDirectory: cache) }
        #expect(error.code == GitError.existsCode)
        // A relative spelling of the same path is the same origin.
        let relative = try #require(relativePath(from: FileManager.default.currentDirectoryPath, to: origin.path))
        _ = try GitRepository.openOrClone(url: relative, cacheDirectory: cache)
    }

    @Test func cloneIntoExistingEmptyFolder() async throws {
        let origin = try GitFixture()
        let first = try origin.commit("first")
        let cache = origin.scratch("empty")
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)

        let mirror = try GitRepository.openOrClone(url: origin.path, cacheDirectory: cache)
        #expect(try await mirror.resolve("main") == first)
    }

    /// `to` spelled relative to `from`, both absolute.
    private func relativePath(from: String, to: String) -> String? {
        let base = URL(fileURLWithPath: from).standardizedFileURL.pathComponents
        let target = URL(fileURLWithPath: to).standardizedFileURL.pathComponents
        let common = zip(base, target).prefix { $0 == $1 }.count
        guard common > 0 else { return nil }
        return (Array(repeating: "..", count: base.count - common) + target[common...]).joined(separator: "/")
    }
}
