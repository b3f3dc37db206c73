import Foundation
import PromptOpsCore
import PromptOpsStore

/// A receiver of notifications as the configuration names it, with its secrets already read
/// (`receivers` in controller-config.md). Its `url` and `token` are secrets: they never go
/// into a log line, an event, an error or a metric.
public struct NotificationReceiver: Sendable {
    /// What the receiver speaks.
    public enum Kind: String, Sendable, CaseIterable {
        /// A CloudEvents 1.0 structured JSON POST.
        case webhook
        /// A Slack (or Mattermost, Rocket.Chat) incoming webhook.
        case slack
        /// GitHub commit statuses.
        case github
        /// GitLab commit statuses.
        case gitlab
    }

    /// Unique name, as notification rules refer to it.
    public var name: String
    /// What the receiver speaks.
    public var kind: Kind
    /// webhook/slack: the target URL (a secret: a Slack URL is its own credential);
    /// github/gitlab: the API base, e.g. `https://api.github.com`.
    public var url: String
    /// github: `owner/repo`; gitlab: the project id or `group/project`.
    public var repository: String?
    /// github/gitlab API token (a secret).
    public var token: String?

    /// Creates a receiver.
    public init(name: String, kind: Kind, url: String, repository: String? = nil, token: String? = nil) {
        self.name = name
        self.kind = kind
        self.url = url
        self.repository = repository
        self.token = token
    }
}

extension NotificationReceiver: CustomStringConvertible {
    /// Name and kind only: printing a receiver must never print its URL or token.
    public var description: String { "\(kind.rawValue) receiver \(name)" }
}

/// Which notifications go to a receiver (`notifications` in controller-config.md).
public struct NotificationRule: Sendable, Equatable {
    /// The receiver's name.
    public var receiver: String
    /// Namespace globs (`*` any run of characters, `?` one); empty = every namespace.
    public var namespaces: [String]
    /// Notification types (`Applied`, `Blocked`…); empty = every type.
    public var events: [String]

    /// Creates a rule.
    public init(receiver: String, namespaces: [String] = [], events: [String] = []) {
        self.receiver = receiver
        self.namespaces = namespaces
        self.events = events
    }

    /// Whether `notification` goes to this rule's receiver. A controller-wide notification (no
    /// namespace, e.g. SyncFailed) matches only a rule without a namespace filter or with `*`.
    public func matches(_ notification: OutboxNotification) -> Bool {
        guard events.isEmpty || events.contains(notification.type) else { return false }
        guard !namespaces.isEmpty else { return true }
        guard let namespace = notification.namespace else { return namespaces.contains("*") }
        return namespaces.contains { Self.glob($0, matches: namespace) }
    }

    /// Whether `text` matches `pattern` (see ``Glob``).
    public static func glob(_ pattern: String, matches text: String) -> Bool {
        Glob.matches(pattern, text)
    }
}
