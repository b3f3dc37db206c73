import Foundation
import PromptOpsCore
import Testing
@testable import PromptOpsStore

/// Timings of a first sync of 10,000 templates and 20 Deployments across 20 namespaces.
/// Printed, not asserted: debug builds and shared CI machines vary too much.
/// Timing printout, not a timed assertion; opt in with PROMPTOPS_STORE_BENCH=1 (it takes
/// 15–40 s in a debug build, mostly YAML loading). `hack/bench/sync` measures the whole pass.
@Suite("Store performance", .enabled(if: ProcessInfo.processInfo.environment["PROMPTOPS_STORE_BENCH"] == "1"))
struct PerformanceTests {
    static func files(version: Int = 1) -> [String: String] {
        var files: [String: String] = [:]
        for n in 0..<20 {
            let ns = "team-\(n)"
            for i in 0..<500 {
                files["\(ns)/t\(i).yaml"] = """
                    apiVersion: promptops.dev/v1alpha1
                    kind: PromptTemplate
                    metadata: {name: prompt-\(i), namespace: \(ns), labels: {team: \(ns), owner: someone}}
                    spec:
                      description: Prompt \(i) of \(ns), revision \(version).
                      model: {provider: openai, name: gpt-4o-mini, parameters: {temperature: 0.2, maxTokens: 400}}
                      inputs:
                        customer_name: {type: string, required: true, maxLength: 100}
                        ticket: {type: string, required: true}
                      messages:
                        - role: system
                          content: "You help customers of team \(ns) with request type \(i). Be brief and kind."
                        - role: user
                          content: "{{customer_name}} asks: {{ticket}}"

                    """
            }
            files["\(ns)/deploy.yaml"] = deployment("prompt-0-prod", namespace: ns, template: "prompt-0")
        }
        return files
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    @Test func firstSyncOfTenThousandTemplates() throws {
        let t = try TemporaryStore()
        let files = Self.files()
        var plan: Plan?
        var set = ManifestSet()
        var desired: DesiredState?
        let load = try Self.seconds {
            set = ManifestLoader().load(files.keys.sorted().map { ManifestFile(path: $0, bytes: Array(files[$0]!.utf8)) })
            desired = DesiredState(set: set, validation: ManifestValidator().validate(set))
            _ = try #require(desired)
        }
        var served = ServedState()
        let emptyServed = try Self.seconds { served = try t.store.servedState() }
        let planning = Self.seconds { plan = Planner.plan(revision: sha(1), desired: desired!, served: served, now: testNow) }
        var report: ApplyReport?
        let apply = try Self.seconds { report = try t.store.apply(plan!, commit: commit(sha(1)), now: testNow) }
        #expect(report?.namespaces.allSatisfy { $0.outcome == .applied } == true)
        #expect(report?.namespaces.map(\.versionsCreated).reduce(0, +) == 10_000)

        let fullServed = try Self.seconds { served = try t.store.servedState() }
        let fullServedAgain = try Self.seconds { served = try t.store.servedState() }
        #expect(served.namespaces.values.map { $0.objects["PromptTemplate"]?.count ?? 0 }.reduce(0, +) == 10_000)
        let onlyOne = try Self.seconds { _ = try t.store.servedState(namespaces: ["team-3"]) }
        var replan: Plan?
        let planAgain = Self.seconds { replan = Planner.plan(revision: sha(1), desired: desired!, served: served, now: testNow) }
        #expect(replan?.isEmpty == true)
        var second: ApplyReport?
        let applyAgain = try Self.seconds { second = try t.store.apply(replan!, commit: commit(sha(1)), now: testNow) }
        #expect(second?.wroteNothing == true)
        let listing = try Self.seconds { _ = try t.store.templates(namespace: "team-7") }
        var intact = false
        let verify = try Self.seconds { intact = try t.store.verifyAudit().isIntact }
        #expect(intact)
        let size = (try FileManager.default.attributesOfItem(atPath: t.store.path)[.size] as? Int) ?? 0
        let wal = (try? FileManager.default.attributesOfItem(atPath: t.store.path + "-wal")[.size] as? Int) ?? 0

        func ms(_ s: Double) -> String { String(format: "%8.1f ms", s * 1000) }
        print("""
            [store perf] 10,000 templates + 20 Deployments in 20 namespaces
              load+validate+desired (Core)  \(ms(load))
              servedState (empty store)     \(ms(emptyServed))
              plan (Core)                   \(ms(planning))
              apply first sync (store)      \(ms(apply))
              servedState (10,000)          \(ms(fullServed)) / again \(ms(fullServedAgain))
              servedState (1 namespace)     \(ms(onlyOne))
              plan again (Core, empty)      \(ms(planAgain))
              apply again (writes nothing)  \(ms(applyAgain))
              templates(namespace:) 500     \(ms(listing))
              verifyAudit (20 records)      \(ms(verify))
              database \(size / 1024) KiB, WAL \(wal / 1024) KiB
            """)
    }
}
