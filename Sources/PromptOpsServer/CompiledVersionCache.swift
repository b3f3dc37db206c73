import NIOConcurrencyHelpers
import PromptOpsCore
import PromptOpsHeap
import PromptOpsStore

/// Compiled template versions for `render`, keyed by content hash, bounded in bytes, least
/// recently used out first.
///
/// The serving snapshot compiles a version when it becomes served (``warm(namespace:template:version:hash:)``,
/// off the request path), so a request finds it compiled; a miss (a version evicted, or a
/// store changed by another process before the snapshot noticed) compiles on the request.
/// The key is the content hash with the names it is compiled under: a version's text never
/// changes, and a replaced database file can never serve stale text.
final class CompiledVersionCache: Sendable {
    /// Identity of compiled content.
    struct Key: Hashable, Sendable {
        var hash: String
        var namespace: String
        var template: String
    }

    private struct Slot: Sendable {
        var compiled: CompiledNamespace
        var bytes: Int
        var lastUse: UInt64
    }

    private struct State: Sendable {
        var slots: [Key: Slot] = [:]
        var bytes = 0
        var tick: UInt64 = 0
    }

    /// Why a version cannot be rendered.
    enum Failure: Error {
        /// The store has no such version.
        case missing
        /// The stored effective content does not compile back.
        case unreadable
        /// The store failed.
        case store(StoreError)
    }

    /// What a compiled version is taken to weigh, per byte of its effective content (JSON):
    /// the parsed tree keeps the text plus a node per tag, and the template object it came
    /// from. Measured with a jemalloc heap profile of the controller on hack/bench/sync's
    /// 10,000 + 10,000 repository (`MALLOC_CONF=prof:true`, in-use bytes after load): the
    /// cache held ~10.6 KB per compiled version of ~1.1 KB, so 10 (an earlier estimate from
    /// resident-size growth, 6, let a 16 MiB budget hold ~26 MB). Since versions are kept
    /// trimmed (``CompiledNamespace/trimmedForRendering(_:)``) the same profile measures
    /// ~8.5 KB per version (11.7 MB for the ~1,370 a 16 MiB budget warms); 10 stays, so the
    /// budget is an upper bound.
    static let bytesPerContentByte = 10

    private let store: ServingStore
    /// The most bytes the cache holds.
    let budget: Int
    private let state = NIOLockedValueBox(State())
    private let compileCounter = NIOLockedValueBox(0)

    /// Creates an empty cache over `store`, holding compiled versions up to `budget` bytes
    /// (estimated; default 16 MiB: ~1,600 versions of 1 KiB).
    init(store: ServingStore, budget: Int = 16 << 20) {
        self.store = store
        self.budget = max(1, budget)
    }

    /// The estimated bytes held now.
    var bytes: Int { state.withLockedValue { $0.bytes } }

    /// How many versions have been compiled since start (tests: render twice, compile once).
    var compileCount: Int { compileCounter.withLockedValue { $0 } }

    /// The compiled namespace of `template` at `version` (whose hash is `hash`), compiled now
    /// when it is not cached.
    func compiled(namespace: String, template: String, version: Int, hash: String) -> Result<CompiledNamespace, Failure> {
        if let hit = cached(namespace: namespace, template: template, hash: hash) { return .success(hit) }
        return compile(Key(hash: hash, namespace: namespace, template: template), version: version)
    }

    /// The compiled version when it is cached (marked as used), else nil; never reads the store.
    func cached(namespace: String, template: String, hash: String) -> CompiledNamespace? {
        let key = Key(hash: hash, namespace: namespace, template: template)
        return state.withLockedValue { s -> CompiledNamespace? in
            // One hash of the key (three lookups were 1 % of a render in a profile).
            guard let index = s.slots.index(forKey: key) else { return nil }
            s.tick &+= 1
            s.slots.values[index].lastUse = s.tick
            return s.slots.values[index].compiled
        }
    }

    /// Compiles `template` at `version` unless it is cached or the cache is full (the
    /// snapshot calls it for every version that becomes served). Warming never evicts: on a
    /// store serving more than the budget holds, the first table compiles what fits and the
    /// rest compile on their first render, where the least recently used make room.
    ///
    /// "Full" is the level eviction leaves (90 %): with the budget itself as the bar, each
    /// eviction made room that the next warm filled again, so a full cache recompiled (and
    /// re-read from the store) every version of a namespace a pass touched and evicted others
    /// to hold them; a profile of a one-file pass on 10,000 Deployments put a third of the
    /// pass there.
    func warm(namespace: String, template: String, version: Int, hash: String) {
        let key = Key(hash: hash, namespace: namespace, template: template)
        if state.withLockedValue({ $0.slots[key] != nil || $0.bytes >= warmLimit }) { return }
        _ = compile(key, version: version)
    }

    /// The most bytes warming fills the cache to: the level eviction brings it down to.
    var warmLimit: Int { budget / 10 * 9 }

    private func compile(_ key: Key, version: Int) -> Result<CompiledNamespace, Failure> {
        let detail: TemplateVersionDetail?
        do {
            detail = try store.templateVersion(namespace: key.namespace, name: key.template, version: version)
        } catch {
            return .failure(.store(error))
        }
        guard let detail, detail.hash == key.hash else { return .failure(.missing) }
        // Compiled in the long-lived arena (the cache keeps it), under a key of its own
        // (``FreshStorage``): the caller's strings come from a store read or a request.
        let kept = LongLivedHeap.run { () -> CompiledNamespace? in
            guard let compiled = CompiledNamespace(effectiveJSON: detail.effective.text, namespace: key.namespace, template: key.template)?
                .trimmedForRendering(key.template) else { return nil }
            let ownKey = Key(hash: FreshStorage.string(key.hash), namespace: FreshStorage.string(key.namespace),
                             template: FreshStorage.string(key.template))
            insert(ownKey, compiled, bytes: detail.effective.text.utf8.count * Self.bytesPerContentByte)
            return compiled
        }
        guard let compiled = kept else {
            return .failure(.unreadable)
        }
        compileCounter.withLockedValue { $0 += 1 }
        return .success(compiled)
    }

    /// Adds a compiled version; over the budget, the least recently used go until 90 % of it
    /// is left (one sort per eviction round, not per insert). The sort runs outside the lock:
    /// the event loops' ``cached(namespace:template:hash:)`` takes it on every render, so only
    /// copying the use marks and removing the victims happen under it.
    private func insert(_ key: Key, _ compiled: CompiledNamespace, bytes: Int) {
        let marks = state.withLockedValue { s -> [(key: Key, lastUse: UInt64, bytes: Int)]? in
            s.tick &+= 1
            if let old = s.slots.updateValue(Slot(compiled: compiled, bytes: bytes, lastUse: s.tick), forKey: key) {
                s.bytes -= old.bytes
            }
            s.bytes += bytes
            guard s.bytes > budget else { return nil }
            return s.slots.map { ($0.key, $0.value.lastUse, $0.value.bytes) }
        }
        guard let marks else { return }
        let total = marks.reduce(0) { $0 + $1.bytes }
        var victims: [(key: Key, lastUse: UInt64)] = []
        var left = total
        for mark in marks.sorted(by: { $0.lastUse < $1.lastUse }) where left > warmLimit && mark.key != key {
            victims.append((mark.key, mark.lastUse))
            left -= mark.bytes
        }
        state.withLockedValue { s in
            for victim in victims {
                // Used again since the marks were copied: it stays.
                guard let slot = s.slots[victim.key], slot.lastUse == victim.lastUse else { continue }
                s.slots[victim.key] = nil
                s.bytes -= slot.bytes
            }
        }
    }
}
