import Foundation
import NIOConcurrencyHelpers
import Prometheus

/// The controller's metrics, held in a swift-prometheus registry and rendered by `GET /metrics`.
///
/// Series: `promptops_sync_total`, `promptops_sync_failures_total`,
/// `promptops_last_successful_sync_timestamp_seconds`, `promptops_sync_duration_seconds`,
/// `promptops_http_requests_total{route,method,status}`, `promptops_render_duration_seconds`,
/// and the counters of ``counterHelp``. The controller also bootstraps swift-metrics with a
/// `PrometheusMetricsFactory` over the same ``registry``, so a library that reports through
/// swift-metrics shows on the same page.
///
/// The series are created through the registry's own API (not swift-metrics' `Counter`) so
/// that each carries its `# HELP` text; the registry refuses two help texts for one name.
public final class ServerMetrics: Sendable {
    /// One series of `promptops_http_requests_total`.
    private struct RequestSeries: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    /// Where every series lives (swift-prometheus).
    public let registry: PrometheusCollectorRegistry
    private let syncTotal: Prometheus.Counter
    private let syncFailures: Prometheus.Counter
    private let lastSuccess: Prometheus.Gauge
    private let syncDuration: ValueHistogram
    private let renderDuration: ValueHistogram
    /// The latest sync passes (time, seconds, success), oldest first: the dashboard's chart.
    private let recentPasses = NIOLockedValueBox([SyncPass]())
    /// How many passes ``recentSyncs()`` keeps.
    static let recentPassLimit = 200

    /// One recorded sync pass.
    public struct SyncPass: Sendable, Equatable {
        public var time: Date
        public var seconds: Double
        public var success: Bool
    }

    /// The request counters already made, so the hot path does not take the registry's lock.
    private let requests = NIOLockedValueBox([RequestSeries: Prometheus.Counter]())

    /// The counters ``increment(_:labels:by:)`` accepts, with their help text.
    public static let counterHelp: [String: String] = [
        "promptops_webhooks_total": "Push webhooks received, by source and result (triggered, ignored, unauthorized, not_found, too_large).",
        "promptops_notifications_total": "Notification delivery attempts, by result (delivered, retried, failed).",
        "promptops_access_denied_total": "API requests refused, by token name (empty: none given, unknown: not configured), scope and status (401, 403).",
        "promptops_config_reloads_total": "Configuration reloads (SIGHUP), by result (applied, rejected).",
    ]

    /// Render latency: 10µs to 1s, because a render is usually tens of microseconds and a
    /// slow one is worth seeing at the millisecond scale.
    static let renderBounds: [Double] = [
        0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    ]

    /// Sync pass duration: 10ms (nothing changed) to 2 minutes (a large clone).
    static let syncBounds: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]

    static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// Creates the series in a registry of their own.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        syncTotal = registry.makeCounter(descriptor: Self.descriptor("promptops_sync_total", "Sync passes run."))
        syncFailures = registry.makeCounter(descriptor: Self.descriptor("promptops_sync_failures_total", "Sync passes that failed (git or store)."))
        lastSuccess = registry.makeGauge(descriptor: Self.descriptor(
            "promptops_last_successful_sync_timestamp_seconds", "Unix time of the last successful sync pass (0: none yet)."))
        syncDuration = registry.makeValueHistogram(descriptor: Self.descriptor(
            "promptops_sync_duration_seconds", "Duration of sync passes, failed ones included."), buckets: Self.syncBounds)
        renderDuration = registry.makeValueHistogram(descriptor: Self.descriptor(
            "promptops_render_duration_seconds", "Time to render a prompt (contract check and template), without I/O."), buckets: Self.renderBounds)
    }

    /// Records one sync pass: counts it (and its failure), observes its duration (a failed
    /// pass's too) and, on success, sets the last-successful-sync time to `at`.
    public func recordSync(success: Bool, duration: Duration, at: Date) {
        syncTotal.increment()
        if success {
            lastSuccess.set(to: at.timeIntervalSince1970)
        } else {
            syncFailures.increment()
        }
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        syncDuration.record(seconds)
        recentPasses.withLockedValue { passes in
            passes.append(SyncPass(time: at, seconds: seconds, success: success))
            if passes.count > Self.recentPassLimit { passes.removeFirst(passes.count - Self.recentPassLimit) }
        }
    }

    /// The latest passes this process ran (at most ``recentPassLimit``), oldest first.
    public func recentSyncs() -> [SyncPass] { recentPasses.withLockedValue { $0 } }

    /// Counts one answered request. `route` is the route pattern
    /// (`/api/v1/namespaces/{ns}/deployments/{name}/resolve`), never the raw path, so the
    /// number of series stays bounded.
    public func recordRequest(route: String, method: String, status: Int) {
        let key = RequestSeries(route: route, method: method, status: status)
        if let counter = requests.withLockedValue({ $0[key] }) { return counter.increment() }
        let counter = registry.makeCounter(
            descriptor: Self.descriptor("promptops_http_requests_total", "HTTP requests answered, by route pattern, method and status."),
            labels: [("route", route), ("method", method), ("status", String(status))])
        requests.withLockedValue { $0[key] = counter }
        counter.increment()
    }

    /// Observes one render's duration.
    public func observeRender(seconds: Double) {
        renderDuration.record(seconds)
    }

    /// Adds one to a counter series; `labels` values must come from configuration or a fixed
    /// set (never from a request), so the number of series stays bounded.
    public func increment(_ name: String, labels: KeyValuePairs<String, String>, by amount: UInt64 = 1) {
        registry.makeCounter(descriptor: Self.descriptor(name, Self.counterHelp[name] ?? ""), labels: labels.map { ($0.key, $0.value) })
            .increment(by: Int64(amount))
    }

    /// Counts one refused request: the token's configured name (never the token), the scope
    /// the route needs, and 401 or 403.
    public func recordDenied(token: String, scope: String, status: Int) {
        increment("promptops_access_denied_total", labels: ["token": token, "scope": scope, "status": String(status)])
    }

    /// The value of one series as `/metrics` shows it (for tests; reads the exposition).
    public func counter(_ name: String, labels: KeyValuePairs<String, String>) -> UInt64 {
        let wanted = labels.isEmpty ? name : name + "{" + labels.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
        for line in exposition().split(separator: "\n") where line.hasPrefix(wanted + " ") {
            return UInt64(Double(line.dropFirst(wanted.count + 1)) ?? 0)
        }
        return 0
    }

    /// The number of requests counted for one series (for tests and status pages).
    public func requestCount(route: String, method: String, status: Int) -> UInt64 {
        counter("promptops_http_requests_total", labels: ["route": route, "method": method, "status": String(status)])
    }

    /// Every series in the Prometheus text exposition format, version 0.0.4.
    public func exposition() -> String {
        registry.emitToString()
    }
}
