import Foundation
import PromptOpsCore
import Testing
@testable import PromptOpsStore

@Suite("Readers during an apply")
struct ConcurrencyTests {
    static func files(_ text: String) -> [String: String] {
        var files: [String: String] = [:]
        for ns in ["a", "b"] {
            for i in 0..<300 { files["\(ns)/t\(i).yaml"] = template("t\(i)", namespace: ns, text: "\(text) \(i)") }
        }
        return files
    }

    /// WAL readers run while the writer applies, and each namespace is seen entirely at the
    /// old or entirely at the new revision, never half-applied.
    @Test func readersSeeANamespaceWholeAtOneRevision() async throws {
        let t = try TemporaryStore()
        try t.sync(Self.files("one"), revision: sha(1))
        let plan = try t.plan(Self.files("two"), revision: sha(2))
        let store = t.store
        let reader = Task.detached { () throws -> (reads: Int, mixed: Int) in
            var reads = 0, mixed = 0
            repeat {
                for ns in ["a", "b"] {
                    let state = try store.servedState(namespaces: [ns])
                    guard let served = state.namespaces[ns] else { continue }
                    let versions = Set((served.objects["PromptTemplate"] ?? [:]).map { name, object in served.versions[name]?[object.hash] ?? 0 })
                    let expected = served.lastAppliedRevision == sha(2) ? 2 : 1
                    if versions != [expected] { mixed += 1 }
                    reads += 1
                }
            } while !Task.isCancelled
            return (reads, mixed)
        }
        try await Task.sleep(for: .milliseconds(20))
        let report = try store.apply(plan, commit: commit(sha(2)), now: testNow)
        reader.cancel()
        let (reads, mixed) = try await reader.value
        #expect(report.namespaces.map(\.outcome) == [.applied, .applied])
        #expect(reads > 0 && mixed == 0)
        #expect(Set(try store.templates(namespace: "b").map(\.version)) == [2])
    }
}
