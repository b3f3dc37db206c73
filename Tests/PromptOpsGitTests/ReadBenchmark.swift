import Foundation
import PromptOpsGit
import Testing

/// Timings for a 10,000-file repository (20 folders × 500 YAML files). Prints, never asserts on time.
///
/// Opt-in because building the repository takes a few seconds:
/// `PROMPTOPS_GIT_BENCH=1 swift test -c release --filter PromptOpsGitTests.ReadBenchmark`
/// (`PROMPTOPS_GIT_BENCH_FOLDERS=100` scales the repository to 50,000 files).
@Suite("Read benchmark", .enabled(if: ProcessInfo.processInfo.environment["PROMPTOPS_GIT_BENCH"] == "1"))
struct ReadBenchmark {
    static let folders = ProcessInfo.processInfo.environment["PROMPTOPS_GIT_BENCH_FOLDERS"].flatMap(Int.init) ?? 20
    static let filesPerFolder = 500

    @Test func tenThousandFiles() async throws {
        let fixture = try GitFixture()
        for folder in 0..<Self.folders {
            for file in 0..<Self.filesPerFolder {
                try fixture.write(
                    "prompts/team\(folder)/prompt\(file).yaml",
                    "apiVersion: promptops/v1\nkind: Prompt\nmetadata:\n  name: p\(folder)-\(file)\nspec:\n  template: Hello {{name}} \(file)\n")
            }
        }
        try fixture.write("README.md", "bench\n")
        let old = try fixture.commit("10k prompts")
        try fixture.write("prompts/team7/prompt123.yaml", "apiVersion: promptops/v1\nkind: Prompt\nmetadata:\n  name: changed\n")
        let new = try fixture.commit("one change")
        let yaml: @Sendable (String) -> Bool = { $0.hasSuffix(".yaml") }

        func time<T>(_ label: String, _ work: () async throws -> T) async rethrows -> T {
            let clock = ContinuousClock()
            let start = clock.now
            let result = try await work()
            let elapsed = clock.now - start
            print("[bench] \(label): \(elapsed.formatted(.units(allowed: [.milliseconds], fractionalPart: .show(length: 1))))")
            return result
        }

        for (label, repository) in [
            ("local, loose objects", try GitRepository.open(path: fixture.path)),
            ("mirror, packed", try await time("mirror clone (file://)") {
                try GitRepository.openOrClone(url: "file://" + fixture.path, cacheDirectory: fixture.scratch("cache"))
            }),
        ] {
            print("[bench] --- \(label)")
            _ = try await time("resolve main") { try await repository.resolve("main") }
            let all = try await time("full read, files(at:under:\"\") \(Self.folders * Self.filesPerFolder) files") {
                try await repository.files(at: new, under: "", filter: yaml)
            }
            let one = try await time("one folder, files(at:under:\"prompts/team3\")") {
                try await repository.files(at: new, under: "prompts/team3", filter: yaml)
            }
            let changed = try await time("incremental: changes + files(at:paths:)") {
                let changes = try await repository.changes(from: old, to: new, under: "prompts")
                return try await repository.files(at: new, paths: changes.map(\.path))
            }
            _ = try await time("  changes only, under \"prompts\"") {
                try await repository.changes(from: old, to: new, under: "prompts")
            }
            _ = try await time("  changes only, under \"prompts/team7\"") {
                try await repository.changes(from: old, to: new, under: "prompts/team7")
            }
            _ = try await time("  files(at:paths:) only, one path") {
                try await repository.files(at: new, paths: ["prompts/team7/prompt123.yaml"])
            }
            _ = try await time("changes, identical folder") {
                try await repository.changes(from: old, to: new, under: "prompts/team3")
            }
            #expect(all.count == Self.folders * Self.filesPerFolder)
            #expect(one.count == Self.filesPerFolder)
            #expect(changed.map(\.path) == ["prompts/team7/prompt123.yaml"])
        }

        let mirror = try GitRepository.openOrClone(url: "file://" + fixture.path, cacheDirectory: fixture.scratch("cache"))
        try fixture.write("prompts/team9/prompt1.yaml", "kind: Prompt\n")
        try fixture.commit("another change")
        try await time("mirror fetch of a one-file commit") { try await mirror.fetch() }
    }
}
