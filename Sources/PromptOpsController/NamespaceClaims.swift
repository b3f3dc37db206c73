import Foundation

/// Which source defines which namespaces, as of each source's last pass. A namespace belongs
/// to one source: when two sources define it, both block it with an error naming both, and
/// each keeps serving what it last applied, until one of them stops defining it.
public actor NamespaceClaims {
    private var bySource: [String: Set<String>] = [:]
    /// Called with the sources whose namespaces changed hands (so they pass again soon).
    private var onChange: (@Sendable (Set<String>) -> Void)?

    /// Creates an empty registry.
    public init() {}

    /// Starts from what the store records: until a source has read its repository once (it may
    /// be failing to fetch after a restart), it still claims the namespaces it owns, so no
    /// other source takes them over or prunes them meanwhile.
    public func seed(_ owners: [String: Set<String>], sources: Set<String>) {
        for (source, namespaces) in owners where sources.contains(source) && bySource[source] == nil {
            bySource[source] = namespaces
        }
    }

    /// Sets the callback that asks sources for a pass when a conflict appears or clears.
    public func setOnChange(_ body: @escaping @Sendable (Set<String>) -> Void) { onChange = body }

    /// Records what `source` defines now; returns, for each of its namespaces also defined by
    /// other sources, those other sources (sorted).
    public func claim(_ namespaces: Set<String>, by source: String) -> [String: [String]] {
        let before = bySource[source] ?? []
        bySource[source] = namespaces
        var conflicts: [String: [String]] = [:]
        for ns in namespaces {
            let others = bySource.filter { $0.key != source && $0.value.contains(ns) }.keys.sorted()
            if !others.isEmpty { conflicts[ns] = others }
        }
        // Sources sharing a namespace that was added or dropped here must look again.
        let moved = namespaces.symmetricDifference(before)
        let affected = Set(bySource.filter { $0.key != source && !$0.value.isDisjoint(with: moved) }.keys)
        if !affected.isEmpty { onChange?(affected) }
        return conflicts
    }

    /// Forgets a source that was removed from the configuration; the sources that shared a
    /// namespace with it pass again (their conflict is gone).
    public func release(_ source: String) {
        guard let namespaces = bySource.removeValue(forKey: source) else { return }
        let affected = Set(bySource.filter { !$0.value.isDisjoint(with: namespaces) }.keys)
        if !affected.isEmpty { onChange?(affected) }
    }

    /// Namespaces some other source than `source` defines.
    public func definedElsewhere(than source: String) -> Set<String> {
        bySource.filter { $0.key != source }.values.reduce(into: Set<String>()) { $0.formUnion($1) }
    }
}
