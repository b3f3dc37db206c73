import Foundation
import NIOConcurrencyHelpers

/// The controller's own small Prometheus registry, rendered by `GET /metrics`.
///
/// Series: `promptops_sync_total`, `promptops_sync_failures_total`,
/// `promptops_last_successful_sync_timestamp_seconds`, `promptops_sync_duration_seconds`,
/// `promptops_http_requests_total{route,method,status}` and `promptops_render_duration_seconds`.
/// Each group has its own lock so the request counter and the render histogram, touched on
/// every hot-path request, do not contend with each other.
public final class ServerMetrics: Sendable {
    private struct SyncState {
        var total: UInt64 = 0
        var failures: UInt64 = 0
        var lastSuccess: Double = 0
        var duration = MetricHistogram(bounds: MetricHistogram.syncBounds)
    }

    /// One series of `promptops_http_requests_total`.
    private struct RequestSeries: Hashable, Comparable {
        var route: String
        var method: String
        var status: Int

        static func < (a: Self, b: Self) -> Bool { (a.route, a.method, a.status) < (b.route, b.method, b.status) }
    }

    private let sync = NIOLockedValueBox(SyncState())
    private let requests = NIOLockedValueBox([RequestSeries: UInt64]())
    private let render = NIOLockedValueBox(MetricHistogram(bounds: MetricHistogram.renderBounds))
    /// Other counters (webhooks, notifications), by name and sorted label pairs.
    private let counters = NIOLockedValueBox([String: [String: UInt64]]())

    /// The counters ``increment(_:labels:)`` accepts, with their help text.
    public static let counterHelp: [String: String] = [
        "promptops_webhooks_total": "Push webhooks received, by source and result (triggered, ignored, unauthorized, not_found, too_large).",
        "promptops_notifications_total": "Notification delivery attempts, by result (delivered, retried, failed).",
        "promptops_access_denied_total": "API requests refused, by token name (empty: none given, unknown: not configured), scope and status (401, 403).",
        "promptops_config_reloads_total": "Configuration reloads (SIGHUP), by result (applied, rejected).",
    ]

    /// Creates an empty registry.
    public init() {}

    /// Records one sync pass: counts it (and its failure), observes its duration and, on
    /// success, sets the last-successful-sync time to `at`.
    public func recordSync(success: Bool, duration: Duration, at: Date) {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        sync.withLockedValue { s in
            s.total += 1
            if success {
                s.lastSuccess = at.timeIntervalSince1970
            } else {
                s.failures += 1
            }
            s.duration.observe(seconds)
        }
    }

    /// Counts one answered request. `route` is the route pattern
    /// (`/api/v1/namespaces/{ns}/deployments/{name}/resolve`), never the raw path, so the
    /// number of series stays bounded.
    public func recordRequest(route: String, method: String, status: Int) {
        let key = RequestSeries(route: route, method: method, status: status)
        requests.withLockedValue { $0[key, default: 0] += 1 }
    }

    /// Observes one render's duration.
    public func observeRender(seconds: Double) {
        render.withLockedValue { $0.observe(seconds) }
    }

    /// Adds one to a counter series; `labels` values must come from configuration or a fixed
    /// set (never from a request), so the number of series stays bounded.
    public func increment(_ name: String, labels: KeyValuePairs<String, String>, by amount: UInt64 = 1) {
        let key = labels.map { "\($0.key)=\"\(PrometheusText.label($0.value))\"" }.joined(separator: ",")
        counters.withLockedValue { $0[name, default: [:]][key, default: 0] += amount }
    }

    /// Counts one refused request: the token's configured name (never the token), the scope
    /// the route needs, and 401 or 403.
    public func recordDenied(token: String, scope: String, status: Int) {
        increment("promptops_access_denied_total", labels: ["token": token, "scope": scope, "status": String(status)])
    }

    /// The value of one counter series (for tests).
    public func counter(_ name: String, labels: KeyValuePairs<String, String>) -> UInt64 {
        let key = labels.map { "\($0.key)=\"\(PrometheusText.label($0.value))\"" }.joined(separator: ",")
        return counters.withLockedValue { $0[name]?[key] ?? 0 }
    }

    /// The number of requests counted for one series (for tests and status pages).
    public func requestCount(route: String, method: String, status: Int) -> UInt64 {
        requests.withLockedValue { $0[RequestSeries(route: route, method: method, status: status)] ?? 0 }
    }

    /// Every series in the Prometheus text exposition format, version 0.0.4.
    public func exposition() -> String {
        let syncState = sync.withLockedValue { $0 }
        let requestCounts = requests.withLockedValue { $0 }
        let renderState = render.withLockedValue { $0 }
        var out = ""
        out.reserveCapacity(4096)
        out += "# HELP promptops_sync_total Sync passes run.\n# TYPE promptops_sync_total counter\n"
        out += "promptops_sync_total \(syncState.total)\n"
        out += "# HELP promptops_sync_failures_total Sync passes that failed (git or store).\n"
        out += "# TYPE promptops_sync_failures_total counter\n"
        out += "promptops_sync_failures_total \(syncState.failures)\n"
        out += "# HELP promptops_last_successful_sync_timestamp_seconds Unix time of the last successful sync pass (0: none yet).\n"
        out += "# TYPE promptops_last_successful_sync_timestamp_seconds gauge\n"
        out += "promptops_last_successful_sync_timestamp_seconds \(PrometheusText.number(syncState.lastSuccess))\n"
        out += "# HELP promptops_sync_duration_seconds Duration of sync passes.\n# TYPE promptops_sync_duration_seconds histogram\n"
        syncState.duration.write(name: "promptops_sync_duration_seconds", into: &out)
        out += "# HELP promptops_http_requests_total HTTP requests answered, by route pattern, method and status.\n"
        out += "# TYPE promptops_http_requests_total counter\n"
        for key in requestCounts.keys.sorted() {
            out += "promptops_http_requests_total{route=\"\(PrometheusText.label(key.route))\",method=\"\(PrometheusText.label(key.method))\","
            out += "status=\"\(key.status)\"} \(requestCounts[key]!)\n"
        }
        out += "# HELP promptops_render_duration_seconds Time to render a prompt (contract check and template), without I/O.\n"
        out += "# TYPE promptops_render_duration_seconds histogram\n"
        renderState.write(name: "promptops_render_duration_seconds", into: &out)
        let counterState = counters.withLockedValue { $0 }
        for name in Self.counterHelp.keys.sorted() {
            out += "# HELP \(name) \(Self.counterHelp[name]!)\n# TYPE \(name) counter\n"
            for (labels, value) in (counterState[name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                out += "\(name){\(labels)} \(value)\n"
            }
        }
        return out
    }
}
