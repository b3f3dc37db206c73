import Foundation
import NIOConcurrencyHelpers

/// The sources that accept push webhooks: their secret, the branch they follow, and how to
/// ask for a fetch. Replaced as a whole on config reload; read by every webhook request.
public final class WebhookEndpoints: Sendable {
    /// One source's webhook.
    public struct Endpoint: Sendable {
        /// The shared secret (bytes of the resolved value).
        public var secret: [UInt8]
        /// The branch the source follows (`main`): pushes elsewhere are ignored.
        public var branch: String
        /// Asks the source for a pass (coalescing: one in flight, one queued).
        public var trigger: @Sendable () -> Void

        /// Creates an endpoint.
        public init(secret: [UInt8], branch: String, trigger: @escaping @Sendable () -> Void) {
            self.secret = secret
            self.branch = branch
            self.trigger = trigger
        }
    }

    private let box = NIOLockedValueBox([String: Endpoint]())

    /// Creates an empty table (every webhook answers 404).
    public init() {}

    /// Replaces the table.
    public func replace(_ endpoints: [String: Endpoint]) { box.withLockedValue { $0 = endpoints } }

    /// The endpoint of `source`, if it has a webhook.
    public func endpoint(_ source: String) -> Endpoint? { box.withLockedValue { $0[source] } }

    /// Whether `source` is configured (for the metric label: unknown names are not echoed).
    public func knows(_ source: String) -> Bool { box.withLockedValue { $0[source] != nil } }
}
