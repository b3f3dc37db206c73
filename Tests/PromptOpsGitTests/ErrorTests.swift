import Foundation
import PromptOpsGit
import Testing

@Suite("Failures are GitError values carrying libgit2's message")
struct ErrorTests {
    @Test func unknownRevisionCarriesLibgit2Message() async throws {
        let fixture = try GitFixture()
        try fixture.commit("only")
        let repository = try GitRepository.open(path: fixture.path)

        let error = try await #require(throws: GitError.self) { try await repository.resolve("no-such-branch") }
        #expect(error.isNotFound)
        #expect(error.message.contains("no-such-branch"))
        #expect(error.operation.contains("no-such-branch"))
        #expect(error.klass != 0)
        #expect("\(error)".contains(error.message))

        await #expect(throws: GitError.self) { try await repository.commitInfo("0123456789012345678901234567890123456789") }
        await #expect(throws: GitError.self) { try await repository.resolve("main~5") }
        await #expect(throws: GitError.self) { try await repository.files(at: "nope", under: "", filter: { _ in true }) }
    }

    @Test func revisionThatIsNotACommitFails() async throws {
        let fixture = try GitFixture()
        try fixture.write("a.yaml", "a\n")
        try fixture.commit("only")
        let blob = try fixture.git("rev-parse", "HEAD:a.yaml")
        let repository = try GitRepository.open(path: fixture.path)

        let error = try await #require(throws: GitError.self) { try await repository.resolve(blob) }
        #expect(!error.message.isEmpty)
    }

    @Test func openingANonRepositoryFails() throws {
        let fixture = try GitFixture()
        let plain = fixture.scratch("plain")
        try FileManager.default.createDirectory(atPath: plain, withIntermediateDirectories: true)

        let error = try #require(throws: GitError.self) { try GitRepository.open(path: plain) }
        #expect(!error.message.isEmpty)
        #expect(error.operation.contains(plain))
        #expect(throws: GitError.self) { try GitRepository.open(path: fixture.scratch("missing")) }
    }
}
