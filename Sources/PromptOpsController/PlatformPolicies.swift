import NIOConcurrencyHelpers
import PromptOpsCore
import PromptOpsStore

/// The platform Policies (`spec.namespaces`) each platform source last read, shared with
/// every other source's reconciler: they govern namespaces of other repositories.
///
/// A source that is not a platform waits for every platform source's first read before it
/// applies anything, so a commit breaking a platform `Deny` can never slip in while the
/// controller starts.
public final class PlatformPolicies: Sendable {
    private struct State {
        var bySource: [String: [Policy]] = [:]
        var generation = 0
        var onChange: (@Sendable () -> Void)?
    }

    private let state = NIOLockedValueBox(State())
    private let platform: NIOLockedValueBox<Set<String>>

    /// Creates the registry for these platform sources.
    public init(platformSources: Set<String>) {
        platform = NIOLockedValueBox(platformSources)
    }

    /// The sources marked `platform: true`.
    public var platformSources: Set<String> { platform.withLockedValue { $0 } }

    /// Replaces the platform sources (config reload): Policies of a source no longer a
    /// platform stop governing, and the others validate again.
    public func setPlatformSources(_ sources: Set<String>) {
        let dropped = platform.withLockedValue { current -> Set<String> in
            defer { current = sources }
            return current.subtracting(sources)
        }
        let action: (@Sendable () -> Void)?? = state.withLockedValue { s in
            let had = dropped.contains { s.bySource[$0] != nil }
            for name in dropped { s.bySource[name] = nil }
            guard had else { return .none }
            s.generation += 1
            return .some(s.onChange)
        }
        if case .some(let a) = action { a?() }
    }

    /// Called (outside the lock) after the policies changed: wakes the other sources.
    public func setOnChange(_ action: @escaping @Sendable () -> Void) {
        state.withLockedValue { $0.onChange = action }
    }

    /// Records what `source` read; a change bumps the generation.
    public func publish(_ policies: [Policy], from source: String) {
        let changed: (@Sendable () -> Void)?? = state.withLockedValue { s in
            if let old = s.bySource[source], old == policies { return .none }
            s.bySource[source] = policies
            s.generation += 1
            return .some(s.onChange)
        }
        if case .some(let action) = changed { action?() }
    }

    /// What governs the sources other than `source`: the generation (changes when any
    /// platform source's Policies change), the Policies, and the platform sources not read yet.
    ///
    /// A platform source waits for no other (two platform sources would wait for each other
    /// forever): it is checked against the others' Policies once they are read.
    public func view(for source: String) -> (generation: Int, policies: [Policy], waitingFor: [String]) {
        let platform = platformSources
        let others = platform.subtracting([source])
        return state.withLockedValue { s in
            let policies = others.sorted().flatMap { s.bySource[$0] ?? [] }
            let waiting = platform.contains(source) ? [] : others.filter { s.bySource[$0] == nil }.sorted()
            return (s.generation, policies, waiting)
        }
    }

    /// The platform Policies `source` has applied: those the store serves in the namespaces
    /// it owns, decoded from their stored specs. What governs is what was applied, never what
    /// was merely read: a platform commit that breaks a Policy's file (a typo, a YAML error)
    /// blocks the platform's namespace and leaves the last applied Policy in force — it
    /// can never lift a Deny by accident.
    public static func applied(by source: String, store: ServingStore) throws -> [Policy] {
        let namespaces = try store.namespaces(ownedBy: source)
        guard !namespaces.isEmpty else { return [] }
        let served = try store.servedState(namespaces: namespaces)
        var out: [Policy] = []
        for namespace in namespaces.sorted() {
            for (name, object) in (served.namespaces[namespace]?.objects["Policy"] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let document = "{\"apiVersion\":\"\(APISchemas.apiVersion)\",\"kind\":\"Policy\",\"metadata\":{\"name\":"
                    + CanonicalJSON.encodeKey(name) + ",\"namespace\":" + CanonicalJSON.encodeKey(namespace) + "},\"spec\":" + object.specJSON + "}"
                let load = ManifestLoader().loadFile(ManifestFile(path: object.path, bytes: Array(document.utf8)))
                for loaded in load.objects where !loaded.isInvalid {
                    if case .policy(let policy) = loaded.object, policy.namespaces != nil { out.append(policy) }
                }
            }
        }
        return out
    }

    /// Whether `source` has applied anything yet (a store from an earlier run counts).
    public static func hasApplied(_ source: String, store: ServingStore) -> Bool {
        !((try? store.namespaces(ownedBy: source)) ?? []).isEmpty
    }

    /// At start: the platform Policies each platform source applied in an earlier run, so the
    /// other sources need not wait for a fresh read (and a platform source that cannot be
    /// fetched still governs with what it applied).
    public func seed(from store: ServingStore) {
        for source in platformSources.sorted() where Self.hasApplied(source, store: store) {
            if let policies = try? Self.applied(by: source, store: store) { publish(policies, from: source) }
        }
    }
}
