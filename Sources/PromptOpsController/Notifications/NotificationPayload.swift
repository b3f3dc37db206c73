import Foundation
import PromptOpsStore

/// One HTTP request that delivers a notification to a receiver. It holds the receiver's
/// secrets (URL, token): send it, never print it.
public struct NotificationRequest: Sendable, Equatable {
    /// `POST`.
    public var method: String
    /// Where to send it (a secret for webhook and Slack receivers).
    public var url: String
    /// Header name → value (`Authorization` and `PRIVATE-TOKEN` hold the receiver's token).
    public var headers: [String: String]
    /// The JSON body.
    public var body: [UInt8]
}

/// Builds the request each kind of receiver expects for a notification. Pure: no I/O, no clock.
public enum NotificationPayload {
    /// CloudEvents `source` of every notification: the controller as a whole. `id` is the
    /// store's event id, so `(source, id)` identifies an event and a receiver can drop
    /// repeats; what the event concerns is in `subject`.
    public static let cloudEventSource = "promptops"
    /// Longest commit-status description (GitHub's limit).
    public static let maxDescription = 140
    /// Located errors a Slack message lists before "and N more".
    public static let maxListed = 10

    /// The request that delivers `notification` to `receiver`, or nil when this receiver has
    /// nothing to say about it (a commit status for a type without a state, or without a
    /// revision): the delivery then counts as done.
    public static func request(for notification: OutboxNotification, to receiver: NotificationReceiver) -> NotificationRequest? {
        var headers = ["Idempotency-Key": String(notification.eventID), "User-Agent": "promptops", "Content-Type": "application/json"]
        let body: JSONValue
        let url: String
        switch receiver.kind {
        case .webhook:
            headers["Content-Type"] = "application/cloudevents+json"
            url = receiver.url
            body = cloudEvent(notification)
        case .slack:
            url = receiver.url
            body = slackMessage(notification)
        case .github:
            guard let sha = revision(of: notification), let state = githubState(notification.type) else { return nil }
            url = base(receiver.url) + "/repos/\(receiver.repository ?? "")/statuses/\(sha)"
            headers["Accept"] = "application/vnd.github+json"
            headers["X-GitHub-Api-Version"] = "2022-11-28"
            if let token = receiver.token { headers["Authorization"] = "Bearer \(token)" }
            body = .object(["state": .string(state), "context": .string(context(notification)),
                            "description": .string(description(notification))])
        case .gitlab:
            guard let sha = revision(of: notification), let state = gitlabState(notification.type) else { return nil }
            url = base(receiver.url) + "/projects/\(pathSegment(receiver.repository ?? ""))/statuses/\(sha)"
            if let token = receiver.token { headers["PRIVATE-TOKEN"] = token }
            body = .object(["state": .string(state), "name": .string(context(notification)),
                            "description": .string(description(notification))])
        }
        return NotificationRequest(method: "POST", url: url, headers: headers, body: encode(body))
    }

    /// A CloudEvents 1.0 structured-mode document; `data` holds namespace, revision and
    /// message, then the notification's own details (located errors, measurements…).
    public static func cloudEvent(_ n: OutboxNotification) -> JSONValue {
        var data: [String: JSONValue] = [
            "namespace": n.namespace.map(JSONValue.string) ?? .null,
            "revision": n.revision.map(JSONValue.string) ?? .null,
            "message": .string(n.message),
        ]
        if case .object(let details) = n.data { data.merge(details) { _, detail in detail } }
        return .object([
            "specversion": .string("1.0"), "id": .string(String(n.eventID)), "source": .string(cloudEventSource),
            "type": .string("dev.promptops.\(n.type)"), "time": .string(StoreTime.format(n.time)), "subject": .string(n.subject),
            "datacontenttype": .string("application/json"), "data": .object(data),
        ])
    }

    /// A Slack incoming-webhook message: `text` (the fallback and push-notification line)
    /// and one mrkdwn section with the details.
    public static func slackMessage(_ n: OutboxNotification) -> JSONValue {
        var lines = ["*\(escape(n.type))* \(escape(n.subject))", escape(n.message)]
        if let sha = n.revision { lines.append("revision `\(escape(String(sha.prefix(12))))`") }
        let errors = locatedErrors(n.data)
        if n.type == "Blocked", !errors.isEmpty {
            lines.append("errors:")
            lines += errors.prefix(maxListed).map { "• " + escape($0) }
            if errors.count > maxListed { lines.append("… and \(errors.count - maxListed) more") }
        }
        let measurements = measurementLines(n.data)
        if ["RolledBack", "Paused"].contains(n.type), !measurements.isEmpty {
            lines.append("measurements:")
            lines += measurements.prefix(maxListed).map { "• " + escape($0) }
        }
        // Slack refuses a section text over 3,000 characters.
        var text = lines.joined(separator: "\n")
        if text.count > 3000 { text = String(text.prefix(2999)) + "…" }
        return .object([
            "text": .string("\(n.type): \(n.subject): \(n.message)"),
            "blocks": .array([.object(["type": .string("section"), "text": .object(["type": .string("mrkdwn"), "text": .string(text)])])]),
        ])
    }

    /// `path:line:col: message` for each error of a Blocked notification's `errors`.
    public static func locatedErrors(_ data: JSONValue) -> [String] {
        guard case .array(let errors)? = data["errors"] else { return [] }
        return errors.map { error in
            // A stored Diagnostic nests its place under `location`; accept it flat too.
            let place = error["location"] ?? error
            let message = error["message"]?.stringValue ?? "error"
            guard let path = place["path"]?.stringValue else { return message }
            return "\(path):\(number(place["line"])):\(number(place["column"])): \(message)"
        }
    }

    /// `metric: value (verdict)` for each of a notification's `measurements`.
    public static func measurementLines(_ data: JSONValue) -> [String] {
        guard case .array(let list)? = data["measurements"] else { return [] }
        return list.map { m in
            "\(m["metric"]?.stringValue ?? "?"): \(number(m["value"], absent: "no value")) (\(m["verdict"]?.stringValue ?? "?"))"
        }
    }

    /// GitHub commit state of a notification type; nil: no status for it.
    public static func githubState(_ type: String) -> String? {
        switch type {
        case "Applied", "Promoted": return "success"
        case "Blocked", "RolledBack": return "failure"
        case "CanaryStarted", "StepAdvanced", "Paused": return "pending"
        default: return nil
        }
    }

    /// GitLab commit state of a notification type; nil: no status for it.
    public static func gitlabState(_ type: String) -> String? {
        switch type {
        case "Applied", "Promoted": return "success"
        case "Blocked", "RolledBack": return "failed"
        case "CanaryStarted", "StepAdvanced": return "running"
        case "Paused": return "pending"
        default: return nil
        }
    }

    // MARK: - Pieces

    static func encode(_ value: JSONValue) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A JSONValue always encodes; the fallback only keeps the signature non-throwing.
        return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
    }

    static func revision(of n: OutboxNotification) -> String? {
        guard let sha = n.revision, !sha.isEmpty else { return nil }
        return sha
    }

    static func context(_ n: OutboxNotification) -> String { "promptops/\(n.namespace ?? n.subject)" }

    static func description(_ n: OutboxNotification) -> String {
        n.message.count <= maxDescription ? n.message : String(n.message.prefix(maxDescription - 1)) + "…"
    }

    static func base(_ url: String) -> String {
        var url = url
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// `group/project` → `group%2Fproject`: one path segment, as GitLab wants a project path.
    static func pathSegment(_ text: String) -> String {
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// Slack mrkdwn treats `&`, `<` and `>` as control characters.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    static func number(_ value: JSONValue?, absent: String = "?") -> String {
        switch value {
        case .int(let i)?: return String(i)
        case .double(let d)?: return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s)?: return s
        default: return absent
        }
    }
}
