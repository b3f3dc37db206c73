import NIOConcurrencyHelpers
import PromptOpsCore
import PromptOpsStore

/// Compiled template versions, so each version is parsed once and every later render reuses
/// it. Keyed by (namespace, template, version): versions are immutable in the store, and
/// the content hash is checked too so a replaced database file can never serve stale text.
final class CompiledVersionCache: Sendable {
    /// Identity of a stored version.
    struct Key: Hashable, Sendable {
        var namespace: String
        var template: String
        var version: Int
    }

    private struct Compiled: Sendable {
        var hash: String
        var namespace: CompiledNamespace
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

    private let store: ServingStore
    private let capacity: Int
    private let entries = NIOLockedValueBox([Key: Compiled]())
    private let compileCounter = NIOLockedValueBox(0)

    /// Creates an empty cache over `store`, holding at most `capacity` versions (a full
    /// cache is emptied and refills with what is served: old versions stop being asked for).
    init(store: ServingStore, capacity: Int = 1024) {
        self.store = store
        self.capacity = max(1, capacity)
    }

    /// How many versions have been compiled since start (tests: render twice, compile once).
    var compileCount: Int { compileCounter.withLockedValue { $0 } }

    /// The compiled namespace of `template` at `version` (whose hash is `hash`), reading and
    /// compiling the stored effective content on first use.
    func compiled(namespace: String, template: String, version: Int, hash: String) -> Result<CompiledNamespace, Failure> {
        let key = Key(namespace: namespace, template: template, version: version)
        if let hit = entries.withLockedValue({ $0[key] }), hit.hash == hash {
            return .success(hit.namespace)
        }
        let detail: TemplateVersionDetail?
        do {
            detail = try store.templateVersion(namespace: namespace, name: template, version: version)
        } catch {
            return .failure(.store(error))
        }
        guard let detail, detail.hash == hash else { return .failure(.missing) }
        guard let compiled = CompiledNamespace(effectiveJSON: detail.effective.text, namespace: namespace, template: template) else {
            return .failure(.unreadable)
        }
        compileCounter.withLockedValue { $0 += 1 }
        entries.withLockedValue { table in
            if table.count >= capacity { table.removeAll(keepingCapacity: true) }
            table[key] = Compiled(hash: hash, namespace: compiled)
        }
        return .success(compiled)
    }
}
