import NIOConcurrencyHelpers
import PromptOpsCore

/// The secret values analysis providers may send, by name, with the namespaces (globs) each
/// is granted to. Filled from the controller config (and replaced on reload); a metric of a
/// namespace gets a value only if the secret is granted to that namespace.
public final class ProviderSecrets: Sendable {
    /// One secret.
    public struct Entry: Sendable {
        public var value: String
        public var namespaces: [String]
        public init(value: String, namespaces: [String]) {
            self.value = value
            self.namespaces = namespaces
        }
    }

    private let box: NIOLockedValueBox<[String: Entry]>

    /// Creates the table (empty: no provider sends a credential).
    public init(_ entries: [String: Entry] = [:]) {
        box = NIOLockedValueBox(entries)
    }

    /// Replaces the table (config reload).
    public func replace(_ entries: [String: Entry]) { box.withLockedValue { $0 = entries } }

    /// The value of `name` for a metric of `namespace`, if granted.
    public func value(_ name: String, for namespace: String) -> String? {
        guard let entry = box.withLockedValue({ $0[name] }) else { return nil }
        return entry.namespaces.contains { Glob.matches($0, namespace) } ? entry.value : nil
    }
}
