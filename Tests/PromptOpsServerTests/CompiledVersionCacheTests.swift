import Foundation
import PromptOpsCore
@testable import PromptOpsServer
import Testing

@Suite("Compiled-version cache: byte-bounded, warming never churns")
struct CompiledVersionCacheTests {
    /// `count` templates of ~1 KB each, each with a Deployment, in namespace `support`.
    static func store(_ count: Int) throws -> ServedStore {
        var files: [String: String] = [:]
        for i in 0..<count {
            files["support/t\(i).yaml"] = """
                apiVersion: promptops.dev/v1alpha1
                kind: PromptTemplate
                metadata: {name: t\(i), namespace: support}
                spec:
                  inputs: {name: {type: string}}
                  text: "\(i) \(String(repeating: "lorem ipsum dolor ", count: 55)) {{name}}"
                ---
                apiVersion: promptops.dev/v1alpha1
                kind: Deployment
                metadata: {name: t\(i), namespace: support}
                spec: {template: t\(i)}
                """
        }
        return try ServedStore(files)
    }

    @Test("warming fills the cache to the eviction level and then compiles nothing more, however often it runs")
    func warmingStopsAtTheEvictionLevel() throws {
        let served = try Self.store(20)
        let served20 = try served.store.deployments()
        #expect(served20.count == 20)
        // Room for about five versions.
        let one = (try served.store.templateVersion(namespace: "support", name: "t0", version: 1)?.effective.text.utf8.count ?? 0)
            * CompiledVersionCache.bytesPerContentByte
        let cache = CompiledVersionCache(store: served.store, budget: one * 5 + one / 2)
        for d in served20 { cache.warm(namespace: d.namespace, template: d.template, version: d.stable.version, hash: d.stable.hash) }
        let compiled = cache.compileCount
        #expect((3...6).contains(compiled), "\(compiled)")
        #expect(cache.bytes <= cache.budget)
        // Warming the same served versions again (every pass that touches the namespace does)
        // compiles nothing: before, each eviction made room that the next warm refilled.
        for _ in 0..<3 {
            for d in served20.reversed() { cache.warm(namespace: d.namespace, template: d.template, version: d.stable.version, hash: d.stable.hash) }
        }
        #expect(cache.compileCount == compiled)
        // A render of a version not held compiles it, evicting the least recently used.
        let last = served20.last { d in cache.cached(namespace: d.namespace, template: d.template, hash: d.stable.hash) == nil }
        let missing = try #require(last)
        guard case .success = cache.compiled(namespace: missing.namespace, template: missing.template,
                                             version: missing.stable.version, hash: missing.stable.hash) else {
            Issue.record("did not compile"); return
        }
        #expect(cache.compileCount == compiled + 1)
        #expect(cache.bytes <= cache.budget)
        #expect(cache.cached(namespace: missing.namespace, template: missing.template, hash: missing.stable.hash) != nil)
    }
}
