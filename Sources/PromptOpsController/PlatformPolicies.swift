import NIOConcurrencyHelpers
import PromptOpsCore

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
    public func view(for source: String) -> (generation: Int, policies: [Policy], waitingFor: [String]) {
        let others = platformSources.subtracting([source])
        return state.withLockedValue { s in
            let policies = others.sorted().flatMap { s.bySource[$0] ?? [] }
            return (s.generation, policies, others.filter { s.bySource[$0] == nil }.sorted())
        }
    }
}
