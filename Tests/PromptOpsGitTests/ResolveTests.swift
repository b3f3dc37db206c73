import Foundation
import PromptOpsGit
import Testing

@Suite("Opening repositories, resolving revisions, reading commits")
struct ResolveTests {
    @Test func resolvesBranchHeadShortShaTagAndAncestry() async throws {
        let fixture = try GitFixture()
        try fixture.write("prompts/a.yaml", "v: 1\n")
        let first = try fixture.commit("first")
        try fixture.git("tag", "-a", "v1", "-m", "release one")  // annotated: must peel to the commit
        try fixture.git("tag", "light")  // lightweight
        try fixture.write("prompts/a.yaml", "v: 2\n")
        let second = try fixture.commit("second")

        let repository = try GitRepository.open(path: fixture.path)
        #expect(try await repository.resolve("main") == second)
        #expect(try await repository.resolve("HEAD") == second)
        #expect(try await repository.resolve("refs/heads/main") == second)
        #expect(try await repository.resolve("main~1") == first)
        #expect(try await repository.resolve(String(first.prefix(7))) == first)
        #expect(try await repository.resolve(first) == first)
        #expect(try await repository.resolve("v1") == first)
        #expect(try await repository.resolve("light") == first)
        #expect(repository.isMirror == false)
    }

    @Test func localRepositoryResolvesLocalBranchNotRemoteTracking() async throws {
        let fixture = try GitFixture()
        try fixture.write("a.yaml", "a\n")
        let upstream = try fixture.commit("upstream")
        let clonePath = fixture.scratch("work")
        try fixture.git("clone", "-q", fixture.path, clonePath, in: fixture.root.path)
        try fixture.git("commit", "-q", "--allow-empty", "-m", "local only", in: clonePath)
        let local = try fixture.git("rev-parse", "HEAD", in: clonePath)

        let repository = try GitRepository.open(path: clonePath)
        #expect(try await repository.resolve("main") == local)
        #expect(try await repository.resolve("origin/main") == upstream)
        try await repository.fetch()  // no-op for local repositories
        #expect(try await repository.resolve("main") == local)
    }

    @Test func opensBareRepositoriesAndGitFolders() async throws {
        let fixture = try GitFixture()
        let sha = try fixture.commit("only")
        let barePath = fixture.scratch("bare.git")
        try fixture.git("clone", "-q", "--bare", fixture.path, barePath, in: fixture.root.path)

        #expect(try await GitRepository.open(path: barePath).resolve("main") == sha)
        #expect(try await GitRepository.open(path: fixture.path + "/.git").resolve("HEAD") == sha)
    }

    @Test func commitInfoCopiesAuthorTimeAndMessage() async throws {
        let fixture = try GitFixture()
        try fixture.write("a.yaml", "a\n")
        let sha = try fixture.commit("Add greeting prompt  \n\nExplains the tone.\nSecond body line.", date: "2024-05-06T07:08:09Z")

        let info = try await GitRepository.open(path: fixture.path).commitInfo(String(sha.prefix(10)))
        #expect(info.sha == sha)
        #expect(info.authorName == "PromptOps Test")
        #expect(info.authorEmail == "test@promptops.dev")
        #expect(info.time == Date(timeIntervalSince1970: 1_714_979_289))
        #expect(info.summary == "Add greeting prompt")
        #expect(info.message == "Add greeting prompt\n\nExplains the tone.\nSecond body line.")

        try fixture.git("commit", "-q", "--allow-empty", "--cleanup=verbatim", "-m", "Fix typo\r\n\r\nDetails\r\n")
        let crlf = try await GitRepository.open(path: fixture.path).commitInfo("HEAD")
        #expect(crlf.summary == "Fix typo")
        #expect(crlf.message == "Fix typo\r\n\r\nDetails")
    }

    @Test func ancestryDetectsRewrittenHistory() async throws {
        let fixture = try GitFixture()
        let first = try fixture.commit("first")
        let second = try fixture.commit("second")
        try fixture.git("reset", "-q", "--hard", first)
        let rewritten = try fixture.commit("rewritten")

        let repository = try GitRepository.open(path: fixture.path)
        #expect(try await repository.isAncestor(first, of: second))
        #expect(try await repository.isAncestor(first, of: rewritten))
        #expect(try await repository.isAncestor(second, of: second))
        #expect(try await repository.isAncestor(second, of: first) == false)
        #expect(try await repository.isAncestor(second, of: rewritten) == false)
    }
}
