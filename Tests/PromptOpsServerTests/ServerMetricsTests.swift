import Foundation
import PromptOpsServer
import Testing

@Suite("Prometheus registry")
struct ServerMetricsTests {
    @Test("histograms are cumulative with +Inf, _sum and _count; every family has HELP and TYPE")
    func histogramFormat() {
        let metrics = ServerMetrics()
        // A family without series (no request yet) has no lines at all: one request.
        metrics.recordRequest(route: "/healthz", method: "GET", status: 200)
        metrics.observeRender(seconds: 0.000005)
        metrics.observeRender(seconds: 0.0003)
        metrics.observeRender(seconds: 3)
        let text = metrics.exposition()
        #expect(text.contains("promptops_render_duration_seconds_bucket{le=\"1e-05\"} 1\n"))
        #expect(text.contains("promptops_render_duration_seconds_bucket{le=\"0.00025\"} 1\n"))
        #expect(text.contains("promptops_render_duration_seconds_bucket{le=\"0.0005\"} 2\n"))
        // swift-prometheus writes whole bounds as `1.0`; Prometheus reads both forms.
        #expect(text.contains("promptops_render_duration_seconds_bucket{le=\"1.0\"} 2\n"))
        #expect(text.contains("promptops_render_duration_seconds_bucket{le=\"+Inf\"} 3\n"))
        #expect(text.contains("promptops_render_duration_seconds_count 3\n"))
        #expect(text.contains("promptops_render_duration_seconds_sum 3.0003"))
        for family in ["promptops_sync_total", "promptops_sync_failures_total", "promptops_last_successful_sync_timestamp_seconds",
                       "promptops_sync_duration_seconds", "promptops_http_requests_total", "promptops_render_duration_seconds"] {
            #expect(text.contains("# HELP \(family) "))
            #expect(text.contains("# TYPE \(family) "))
        }
        #expect(text.hasSuffix("\n"))
    }

    @Test("every sample line is `name{labels} value` with a numeric value")
    func sampleLines() {
        let metrics = ServerMetrics()
        metrics.recordRequest(route: "/a/{x}", method: "GET", status: 200)
        metrics.recordRequest(route: "weird\"route\\", method: "GET", status: 500)
        metrics.recordSync(success: true, duration: .milliseconds(1500), at: Date(timeIntervalSince1970: 1_800_000_000.5))
        let text = metrics.exposition()
        #expect(text.contains("promptops_http_requests_total{route=\"weird\\\"route\\\\\",method=\"GET\",status=\"500\"} 1"))
        #expect(text.contains("promptops_last_successful_sync_timestamp_seconds 1800000000.5"))
        #expect(text.contains("promptops_sync_duration_seconds_bucket{le=\"2.5\"} 1"))
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let value = line.split(separator: " ").last.map(String.init) ?? ""
            #expect(Double(value) != nil, "not a number: \(line)")
        }
    }
}
