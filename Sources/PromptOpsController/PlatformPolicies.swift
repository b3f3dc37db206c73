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

    /// The sources marked `platform: true`.
    public let platformSources: Set<String>
    private let state = NIOLockedValueBox(State())

    /// Creates the registry for these platform sources.
    public init(platformSources: Set<String>) {
        self.platformSources = platformSources
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
        state.withLockedValue { s in
            let others = platformSources.subtracting([source])
            let policies = others.sorted().flatMap { s.bySource[$0] ?? [] }
            return (s.generation, policies, others.filter { s.bySource[$0] == nil }.sorted())
        }
    }
}
