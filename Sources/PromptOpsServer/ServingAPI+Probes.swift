import Hummingbird

extension ServingAPI {
    /// `GET /readyz`: 200 once the store is open and one sync pass has finished, 503 before.
    func readyz(_ request: Request, _ context: Context) async throws -> Response {
        if let reason = readiness.reasonNotReady {
            throw APIError(.serviceUnavailable, code: "not_ready", "not ready: \(reason)")
        }
        return .text("ready\n")
    }

    /// `GET /metrics`: the Prometheus text format.
    func metricsText(_ request: Request, _ context: Context) async throws -> Response {
        .text(metrics.exposition(), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
}
