import Foundation
import PromptOpsGit
import Testing

@Suite("Symlinks, submodules and large blobs are reported, never read")
struct UnreadEntriesTests {
    /// A repository whose `prompts/` holds a file, a symlink to a file outside the repository
    /// (holding a secret), a symlink to a folder, a submodule and a 3 MiB blob.
    private func repository(_ fixture: GitFixture, secret: String) throws -> String {
        try fixture.write("prompts/a.yaml", "a: 1\n")
        let outside = fixture.scratch("outside")
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try Data(secret.utf8).write(to: URL(fileURLWithPath: outside + "/secret.yaml"))
        try FileManager.default.createSymbolicLink(atPath: fixture.path + "/prompts/evil.yaml", withDestinationPath: outside + "/secret.yaml")
        try FileManager.default.createSymbolicLink(atPath: fixture.path + "/prompts/dir.yaml", withDestinationPath: outside)
        try fixture.write("prompts/big.yaml", String(repeating: "x: 0123456789abcdef\n", count: 3 << 16))
        try fixture.git("add", "-A")
        try fixture.git("update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,prompts/shared")
        // Not `fixture.commit`: its `add -A` would stage the gitlink's removal (no folder on disk).
        try fixture.git("commit", "-q", "-m", "entries")
        return try fixture.git("rev-parse", "HEAD")
    }

    @Test func symlinksAndSubmodulesComeBackUnreadAndBigBlobsWithTheirSize() async throws {
        let fixture = try GitFixture()
        let secret = "SECRET-\(UUID().uuidString)"
        let sha = try repository(fixture, secret: secret)
        let repository = try GitRepository.open(path: fixture.path)

        let files = try await repository.files(at: sha, under: "prompts", filter: { $0.hasSuffix(".yaml") }, maxBytes: 1 << 20)
        #expect(files.map(\.path) == ["prompts/a.yaml", "prompts/big.yaml", "prompts/dir.yaml", "prompts/evil.yaml", "prompts/shared"])
        let bigSize = (3 << 16) * 20
        #expect(files.map(\.skipped) == [nil, .tooLarge(size: bigSize), .symlink, .symlink, .submodule])
        #expect(text(files[0].bytes) == "a: 1\n")
        #expect(files.dropFirst().allSatisfy { $0.bytes.isEmpty })
        #expect(!files.contains { text($0.bytes).contains(secret) })

        // The same by path (the incremental read), and without a limit the blob is read.
        let picked = try await repository.files(at: sha, paths: ["prompts/evil.yaml", "prompts/shared", "prompts/big.yaml"], maxBytes: 1 << 20)
        #expect(picked.map(\.skipped) == [.tooLarge(size: bigSize), .symlink, .submodule])
        let whole = try await repository.files(at: sha, paths: ["prompts/big.yaml"])
        #expect(whole[0].bytes.count == bigSize && whole[0].skipped == nil)
    }

    @Test func aBigBlobIsMeasuredInAPackToo() async throws {
        let fixture = try GitFixture()
        try fixture.write("big.yaml", String(repeating: "y: 0123456789abcdef\n", count: 1 << 16))
        let first = try fixture.commit("v1")
        // Two versions in one pack: one of them is stored as a delta against the other.
        try fixture.write("big.yaml", String(repeating: "y: 0123456789abcdef\n", count: 1 << 16) + "z: 1\n")
        let second = try fixture.commit("v2")
        try fixture.git("gc", "-q", "--aggressive")
        let repository = try GitRepository.open(path: fixture.path)
        for (sha, size) in [(first, (1 << 16) * 20), (second, (1 << 16) * 20 + 5)] {
            let files = try await repository.files(at: sha, under: "", filter: { _ in true }, maxBytes: 1000)
            #expect(files.map(\.skipped) == [.tooLarge(size: size)])
        }
    }

    @Test func changesReportSymlinksAndSubmodulesThatAppear() async throws {
        let fixture = try GitFixture()
        try fixture.write("prompts/a.yaml", "a: 1\n")
        let old = try fixture.commit("old")
        try FileManager.default.createSymbolicLink(atPath: fixture.path + "/prompts/link.yaml", withDestinationPath: "a.yaml")
        try fixture.git("add", "-A")
        try fixture.git("update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,prompts/shared")
        try fixture.git("commit", "-q", "-m", "new")
        let new = try fixture.git("rev-parse", "HEAD")
        let changes = try await GitRepository.open(path: fixture.path).changes(from: old, to: new, under: "prompts")
        #expect(changes == [.added("prompts/link.yaml"), .added("prompts/shared")])
    }

    @Test func aMirrorFetchesOnlyTheBranchItFollows() async throws {
        let origin = try GitFixture()
        try origin.write("a.yaml", "a: 1\n")
        let first = try origin.commit("first")
        try origin.git("checkout", "-q", "-b", "other")
        try origin.write("other.yaml", "other: 1\n")
        try origin.commit("other only")
        try origin.git("checkout", "-q", "main")
        let cache = origin.scratch("cache")

        // (Over file:// libgit2's local transport copies the objects of every remote ref whatever
        // the refspec; that only the branch's objects travel over http is an integration test.)
        let mirror = try GitRepository.openOrClone(url: "file://" + origin.path, cacheDirectory: cache, branch: "main")
        #expect(try await mirror.resolve("main") == first)
        await #expect(throws: GitError.self) { try await mirror.resolve("other") }
        #expect(try origin.git("for-each-ref", "--format=%(refname)", in: cache) == "refs/heads/main")

        try origin.git("checkout", "-q", "other")
        try origin.write("other.yaml", "other: 2\n")
        let otherAgain = try origin.commit("other moves")
        try origin.git("checkout", "-q", "main")
        try origin.write("a.yaml", "a: 2\n")
        let second = try origin.commit("second")
        try await mirror.fetch()
        #expect(try await mirror.resolve("main") == second)
        #expect(try origin.git("for-each-ref", "--format=%(refname)", in: cache) == "refs/heads/main")
        let fetchHead = try String(contentsOfFile: cache + "/FETCH_HEAD", encoding: .utf8)
        #expect(!fetchHead.isEmpty && !fetchHead.contains("'other'"), "\(fetchHead)")
        _ = otherAgain

        // The child process's path (syncMirror) narrows the same way; `refs/heads/main` and
        // `origin/main` name the same branch.
        for (index, name) in ["main", "refs/heads/main", "origin/main"].enumerated() {
            let cache2 = origin.scratch("cache-\(index)")
            try GitRepository.syncMirror(url: "file://" + origin.path, cacheDirectory: cache2, credentials: .none, timeout: nil, branch: name)
            #expect(try origin.git("for-each-ref", "--format=%(refname)", in: cache2) == "refs/heads/main", "\(name)")
            #expect(try origin.git("rev-parse", "refs/heads/main", in: cache2) == second)
        }
        // A name the remote has no branch of (a tag, say) fetches everything, as before.
        try origin.git("tag", "v1", first)
        let cache3 = origin.scratch("cache-tag")
        try GitRepository.syncMirror(url: "file://" + origin.path, cacheDirectory: cache3, credentials: .none, timeout: nil, branch: "v1")
        #expect(try origin.git("for-each-ref", "--format=%(refname)", in: cache3).split(separator: "\n").contains("refs/heads/other"))
        // Following one branch still brings the tags that point into it (libgit2's auto-follow).
        let cache4 = origin.scratch("cache-narrow-tags")
        try GitRepository.syncMirror(url: "file://" + origin.path, cacheDirectory: cache4, credentials: .none, timeout: nil, branch: "main")
        #expect(try origin.git("for-each-ref", "--format=%(refname)", in: cache4) == "refs/heads/main\nrefs/tags/v1")
    }
}
