import Foundation
import PromptOpsGit
import Testing

@Suite("Tree-to-tree changes between commits")
struct ChangesTests {
    @Test func reportsAddedModifiedDeletedUnderFolder() async throws {
        let fixture = try GitFixture()
        try fixture.write("prompts/keep.yaml", "same\n")
        try fixture.write("prompts/edit.yaml", "before\n")
        try fixture.write("prompts/gone.yaml", "bye\n")
        try fixture.write("prompts/nested/old-name.yaml", "moved\n")
        try fixture.write("other/outside.yaml", "before\n")
        let old = try fixture.commit("old")
        try fixture.write("prompts/edit.yaml", "after\n")
        try fixture.delete("prompts/gone.yaml")
        try fixture.write("prompts/new.yaml", "hello\n")
        try fixture.git("mv", "prompts/nested/old-name.yaml", "prompts/nested/new-name.yaml")
        try fixture.write("other/outside.yaml", "after\n")
        let new = try fixture.commit("new")

        let repository = try GitRepository.open(path: fixture.path)
        let changes = try await repository.changes(from: old, to: new, under: "prompts")
        #expect(changes == [
            .modified("prompts/edit.yaml"),
            .deleted("prompts/gone.yaml"),
            .added("prompts/nested/new-name.yaml"),
            .deleted("prompts/nested/old-name.yaml"),
            .added("prompts/new.yaml"),
        ])

        let everywhere = try await repository.changes(from: old, to: new, under: "")
        #expect(everywhere.count == changes.count + 1)
        #expect(everywhere.first == .modified("other/outside.yaml"))

        // Reverse direction swaps added and deleted.
        let back = try await repository.changes(from: new, to: old, under: "prompts/")
        #expect(back.contains(.added("prompts/gone.yaml")))
        #expect(back.contains(.deleted("prompts/new.yaml")))
    }

    @Test func unchangedFolderAndSameCommitAreEmpty() async throws {
        let fixture = try GitFixture()
        try fixture.write("prompts/a.yaml", "a\n")
        let old = try fixture.commit("old")
        try fixture.write("other/b.yaml", "b\n")
        let new = try fixture.commit("new")

        let repository = try GitRepository.open(path: fixture.path)
        #expect(try await repository.changes(from: old, to: new, under: "prompts").isEmpty)
        #expect(try await repository.changes(from: new, to: new, under: "").isEmpty)
        #expect(try await repository.changes(from: old, to: new, under: "never-existed").isEmpty)
    }

    @Test func folderAppearingOrVanishingCountsAsAllAddedOrDeleted() async throws {
        let fixture = try GitFixture()
        try fixture.write("README.md", "r\n")
        let before = try fixture.commit("before")
        try fixture.write("prompts/a.yaml", "a\n")
        try fixture.write("prompts/sub/b.yaml", "b\n")
        let after = try fixture.commit("after")

        let repository = try GitRepository.open(path: fixture.path)
        #expect(try await repository.changes(from: before, to: after, under: "prompts")
            == [.added("prompts/a.yaml"), .added("prompts/sub/b.yaml")])
        #expect(try await repository.changes(from: after, to: before, under: "prompts")
            == [.deleted("prompts/a.yaml"), .deleted("prompts/sub/b.yaml")])
    }

    @Test func fileBecomingSymlinkAndModeChangeAreModified() async throws {
        let fixture = try GitFixture()
        try fixture.write("prompts/a.yaml", "a\n")
        try fixture.write("prompts/run.sh", "echo\n")
        let old = try fixture.commit("old")
        try fixture.delete("prompts/a.yaml")
        try FileManager.default.createSymbolicLink(atPath: fixture.path + "/prompts/a.yaml", withDestinationPath: "run.sh")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fixture.path + "/prompts/run.sh")
        let new = try fixture.commit("new")

        let changes = try await GitRepository.open(path: fixture.path).changes(from: old, to: new, under: "prompts")
        // A symlink is an entry like a file: a reader must learn of it, to report it unread.
        #expect(changes == [.modified("prompts/a.yaml"), .modified("prompts/run.sh")])
    }

    @Test func agreesWithGitDiffOnNestedReshuffles() async throws {
        let fixture = try GitFixture()
        for team in 0..<4 {
            for index in 0..<6 { try fixture.write("prompts/t\(team)/sub\(index % 2)/p\(index).yaml", "v: \(team)-\(index)\n") }
        }
        try fixture.write("prompts/swap/inner.yaml", "folder becomes a file\n")
        try fixture.write("prompts/flip", "file becomes a folder\n")
        let old = try fixture.commit("old")
        try fixture.write("prompts/t0/sub0/p0.yaml", "changed\n")
        try fixture.delete("prompts/t1/sub1/p1.yaml")
        try fixture.git("rm", "-q", "-r", "prompts/t2")
        try fixture.write("prompts/t4/new/deep/p.yaml", "new\n")
        try fixture.git("rm", "-q", "-r", "prompts/swap")
        try fixture.write("prompts/swap", "now a file\n")
        try fixture.delete("prompts/flip")
        try fixture.write("prompts/flip/inside.yaml", "now a folder\n")
        let new = try fixture.commit("new")

        let ours = try await GitRepository.open(path: fixture.path).changes(from: old, to: new, under: "prompts")
        let theirs = try fixture.git("diff", "--no-renames", "--name-status", old, new, "--", "prompts")
            .split(separator: "\n").map { line -> GitChange in
                let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
                switch parts[0] {
                case "A": return .added(parts[1])
                case "D": return .deleted(parts[1])
                default: return .modified(parts[1])
                }
            }
        #expect(ours.count == theirs.count)
        #expect(Set(ours.map { "\($0)" }) == Set(theirs.map { "\($0)" }))
        #expect(ours.map(\.path) == ours.map(\.path).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test func incrementalReadFollowsChanges() async throws {
        let fixture = try GitFixture()
        for index in 0..<50 { try fixture.write("prompts/p\(index).yaml", "n: \(index)\n") }
        let old = try fixture.commit("old")
        try fixture.write("prompts/p7.yaml", "n: seven\n")
        let new = try fixture.commit("new")

        let repository = try GitRepository.open(path: fixture.path)
        let changes = try await repository.changes(from: old, to: new, under: "prompts")
        #expect(changes == [.modified("prompts/p7.yaml")])
        let files = try await repository.files(at: new, paths: changes.map(\.path))
        #expect(files.count == 1)
        #expect(text(files[0].bytes) == "n: seven\n")
    }
}
