import Foundation
import PromptOpsCore
import Testing

@Suite("Reading manifests from the file system: links never followed, sizes checked first")
struct FileWalkTests {
    /// A temporary folder with `repo/` (what is validated) and `outside/` (what links point at).
    final class Folder {
        let root: String
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("promptops-walk-\(UUID().uuidString)").path
            for dir in ["repo/team", "outside/nested"] {
                try FileManager.default.createDirectory(atPath: root + "/" + dir, withIntermediateDirectories: true)
            }
        }
        deinit { try? FileManager.default.removeItem(atPath: root) }
        func write(_ path: String, _ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: root + "/" + path)) }
        func link(_ path: String, to target: String) throws {
            try FileManager.default.createSymbolicLink(atPath: root + "/" + path, withDestinationPath: target)
        }
    }

    @Test func linksToFilesAndFoldersInsideAndOutsideAreReportedNotRead() throws {
        let folder = try Folder()
        let secret = "SECRET-\(UUID().uuidString)"
        try folder.write("repo/team/a.yaml", "a: 1\n")
        try folder.write("outside/secret.yaml", "root:x:0:0:\(secret):/root:/bin/bash\n")
        try folder.write("outside/nested/inner.yaml", "inner: \(secret)\n")
        try folder.link("repo/evil.yaml", to: folder.root + "/outside/secret.yaml")
        try folder.link("repo/linked", to: folder.root + "/outside/nested")
        try folder.link("repo/team/same.yaml", to: "a.yaml")
        try folder.link("repo/team/up", to: "..")

        let files = try ManifestFileCollector.collect([folder.root + "/repo"])
        let repo = folder.root + "/repo"
        #expect(files.map(\.path) == ["\(repo)/evil.yaml", "\(repo)/linked", "\(repo)/team/a.yaml", "\(repo)/team/same.yaml", "\(repo)/team/up"])
        #expect(files.map(\.unread) == [.symlink, .symlink, nil, .symlink, .symlink])
        #expect(!files.contains { String(decoding: $0.bytes, as: UTF8.self).contains(secret) })

        let loads = ManifestLoader().loadFiles(files)
        #expect(loads[0].diagnostics.map(\.description) == ["\(repo)/evil.yaml:1:1: warning: symlink ignored: \(repo)/evil.yaml (links are never followed; commit the file itself)"])
        #expect(loads[0].objects.isEmpty && !loads[0].isUnattributed)

        // A link given as the path itself is not followed either.
        let given = try ManifestFileCollector.collect([repo + "/evil.yaml", repo + "/linked"])
        #expect(given.map(\.unread) == [.symlink, .symlink])
    }

    @Test func aFileOverTheLimitIsMeasuredNotRead() throws {
        let folder = try Folder()
        // Sparse: 50 MB long without writing 50 MB.
        let path = folder.root + "/repo/big.yaml"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(truncate(path, 50_000_000) == 0)
        try folder.write("repo/small.yaml", "s: 1\n")

        let files = try ManifestFileCollector.collect([folder.root + "/repo"])
        #expect(files.map(\.unread) == [.tooLarge(bytes: 50_000_000), nil])
        #expect(files[0].bytes.isEmpty)
        let load = ManifestLoader().loadFile(files[0])
        #expect(load.diagnostics.map(\.description) == ["\(path):1:1: error: file is 50000000 bytes; the limit is 1048576"])
        #expect(load.isUnattributed)
    }
}
