import Foundation
import PromptOpsGit
import Testing

/// Paths a filter was asked about; the lock makes the record safe to share with the `@Sendable` filter.
final class FilterLog: @unchecked Sendable {
    // Sendable proof: the only stored state, `asked`, is read and written solely under `lock`.
    private let lock = NSLock()
    private var asked: [String] = []

    func record(_ path: String) {
        lock.lock()
        asked.append(path)
        lock.unlock()
    }

    var paths: [String] {
        lock.lock()
        defer { lock.unlock() }
        return asked.sorted()
    }
}

@Suite("Reading files from the object database")
struct FilesTests {
    /// A repository with YAML and non-YAML files, a symlink and a submodule entry; returns its commit.
    private func populated(_ fixture: GitFixture) throws -> String {
        try fixture.write("prompts/greeting.yaml", "name: greeting\n")
        try fixture.write("prompts/nested/deep/farewell.yaml", "name: farewell\n")
        try fixture.write("prompts/README.md", "# prompts\n")
        try fixture.write("other/x.yaml", "name: x\n")
        try fixture.write("top.yaml", "name: top\n")
        try FileManager.default.createSymbolicLink(
            atPath: fixture.path + "/prompts/link.yaml", withDestinationPath: "greeting.yaml")
        try fixture.git("add", "-A")
        // A gitlink (submodule entry) without a real submodule: mode 160000 pointing at any commit id.
        try fixture.git("update-index", "--add", "--cacheinfo", "160000,1111111111111111111111111111111111111111,prompts/vendored")
        // Not `fixture.commit`: its `add -A` would stage the gitlink's removal (no folder on disk).
        try fixture.git("commit", "-q", "-m", "populate")
        return try fixture.git("rev-parse", "HEAD")
    }

    @Test func readsFolderRecursivelyWithFilter() async throws {
        let fixture = try GitFixture()
        let sha = try populated(fixture)
        let repository = try GitRepository.open(path: fixture.path)
        let log = FilterLog()

        let files = try await repository.files(at: sha, under: "prompts", filter: { path in
            log.record(path)
            return path.hasSuffix(".yaml")
        })

        // Every symlink and submodule comes back unread.
        #expect(files.map(\.path) == ["prompts/greeting.yaml", "prompts/link.yaml", "prompts/nested/deep/farewell.yaml", "prompts/vendored"])
        #expect(files.map(\.skipped) == [nil, .symlink, nil, .submodule])
        #expect(text(files[0].bytes) == "name: greeting\n")
        #expect(files[1].bytes.isEmpty && files[3].bytes.isEmpty)
        #expect(text(files[2].bytes) == "name: farewell\n")
        #expect(files[0].blobID.hex == (try fixture.git("rev-parse", "\(sha):prompts/greeting.yaml")))
        // The filter sees repository-relative file paths only: no symlink, submodule or folder.
        #expect(log.paths == ["prompts/README.md", "prompts/greeting.yaml", "prompts/nested/deep/farewell.yaml"])
    }

    @Test func readsWholeRepositoryAtRoot() async throws {
        let fixture = try GitFixture()
        let sha = try populated(fixture)
        let repository = try GitRepository.open(path: fixture.path)
        let expected = ["other/x.yaml", "prompts/greeting.yaml", "prompts/nested/deep/farewell.yaml", "top.yaml"]

        for root in ["", ".", "/", "./"] {
            let files = try await repository.files(at: sha, under: root, filter: { $0.hasSuffix(".yaml") })
            #expect(files.filter { $0.skipped == nil }.map(\.path) == expected, "root spelled \(root)")
        }
        let everything = try await repository.files(at: "main", under: "", filter: { _ in true })
        #expect(everything.filter { $0.skipped == nil }.count == 5)
        #expect(everything.count == 7)  // and the symlink and the submodule, unread
        #expect(try await repository.files(at: sha, under: "prompts/nested/", filter: { _ in true }).map(\.path)
            == ["prompts/nested/deep/farewell.yaml"])
    }

    @Test func missingOrNonFolderPathThrows() async throws {
        let fixture = try GitFixture()
        let sha = try populated(fixture)
        let repository = try GitRepository.open(path: fixture.path)

        let missing = try await #require(throws: GitError.self) {
            try await repository.files(at: sha, under: "absent", filter: { _ in true })
        }
        #expect(missing.isNotFound)
        let notFolder = try await #require(throws: GitError.self) {
            try await repository.files(at: sha, under: "top.yaml", filter: { _ in true })
        }
        #expect(notFolder.code == GitError.invalidCode)
    }

    @Test func readsOldCommitFromObjectDatabaseNotWorkTree() async throws {
        let fixture = try GitFixture()
        try fixture.write("prompts/a.yaml", "version: 1\n")
        try fixture.write("prompts/b.yaml", "b: 1\n")
        let old = try fixture.commit("v1")
        try fixture.write("prompts/a.yaml", "version: 2\n")
        try fixture.delete("prompts/b.yaml")
        let new = try fixture.commit("v2")
        // Uncommitted work-tree edits must never be read.
        try fixture.write("prompts/a.yaml", "version: dirty\n")
        try fixture.write("prompts/untracked.yaml", "untracked\n")
        try fixture.write("prompts/staged.yaml", "staged only\n")
        try fixture.git("add", "prompts/staged.yaml")  // in the index, not in any commit

        let repository = try GitRepository.open(path: fixture.path)
        let atOld = try await repository.files(at: old, under: "prompts", filter: { _ in true })
        #expect(atOld.map(\.path) == ["prompts/a.yaml", "prompts/b.yaml"])
        #expect(text(atOld[0].bytes) == "version: 1\n")

        let atNew = try await repository.files(at: "main", under: "prompts", filter: { _ in true })
        #expect(atNew.map(\.path) == ["prompts/a.yaml"])
        #expect(text(atNew[0].bytes) == "version: 2\n")

        let picked = try await repository.files(at: new, paths: ["prompts/a.yaml", "prompts/untracked.yaml", "prompts/staged.yaml"])
        #expect(picked.map(\.path) == ["prompts/a.yaml"])
        #expect(text(picked[0].bytes) == "version: 2\n")
    }

    @Test func readsSpecificPathsSkippingMissingAndFoldersReportingLinks() async throws {
        let fixture = try GitFixture()
        let sha = try populated(fixture)
        let repository = try GitRepository.open(path: fixture.path)

        let files = try await repository.files(at: sha, paths: [
            "top.yaml", "prompts/nested/deep/farewell.yaml", "./top.yaml", "missing.yaml",
            "prompts/missing/deeper.yaml", "prompts", "prompts/link.yaml", "prompts/vendored",
        ])
        #expect(files.map(\.path) == ["prompts/link.yaml", "prompts/nested/deep/farewell.yaml", "prompts/vendored", "top.yaml"])
        #expect(files.map(\.skipped) == [.symlink, nil, .submodule, nil])
        #expect(text(files[3].bytes) == "name: top\n")
        #expect(try await repository.files(at: sha, paths: []).isEmpty)
    }

    @Test func concurrentReadersOnOneAndManyActors() async throws {
        let fixture = try GitFixture()
        for index in 0..<40 { try fixture.write("prompts/p\(index).yaml", "n: \(index)\n") }
        let sha = try fixture.commit("many")
        let shared = try GitRepository.open(path: fixture.path)
        let path = fixture.path

        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<16 {
                group.addTask {
                    let repository = index.isMultiple(of: 2) ? shared : try GitRepository.open(path: path)
                    let files = try await repository.files(at: sha, under: "prompts", filter: { _ in true })
                    let changes = try await repository.changes(from: sha, to: "HEAD", under: "")
                    return files.count + changes.count
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 40, count: 16))
    }

    @Test func keepsBinaryAndEmptyContentExactly() async throws {
        let fixture = try GitFixture()
        let binary: [UInt8] = [0, 1, 2, 255, 13, 10, 0]
        try Data(binary).write(to: URL(fileURLWithPath: fixture.path + "/blob.bin"))
        try fixture.write("empty.yaml", "")
        try fixture.write("crlf.yaml", "a: 1\r\nb: 2\r\n")
        let sha = try fixture.commit("bytes")

        let files = try await GitRepository.open(path: fixture.path).files(at: sha, under: "", filter: { _ in true })
        #expect(files.map(\.path) == ["blob.bin", "crlf.yaml", "empty.yaml"])
        #expect(files[0].bytes == binary)
        #expect(text(files[1].bytes) == "a: 1\r\nb: 2\r\n")
        #expect(files[2].bytes.isEmpty)
    }
}
