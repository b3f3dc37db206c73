import Hummingbird

extension ServingAPI {
    /// `GET /readyz`: 200 once the store is open and one sync pass has finished, 503 before.
    func readyz(_ request: Request, _ context: Context) async throws -> Response {
        if let reason = readiness.reasonNotReady {
            throw APIError(.serviceUnavailable, code: "not_ready", "not ready: \(reason)")
        }
        // One indexed row: a store that stopped answering takes the endpoint out of rotation.
        do {
            _ = try store.audit(limit: 1)
        } catch {
            throw APIError(.serviceUnavailable, code: "store_unavailable", "not ready: the serving store does not answer: \(error.message)")
        }
        return .text("ready\n")
    }

    /// `GET /metrics`: the Prometheus text format.
    func metricsText(_ request: Request, _ context: Context) async throws -> Response {
        var text = metrics.exposition()
        if let rollouts = try? store.rolloutSummaries() { text += RolloutMetrics.exposition(rollouts) }
        return .text(text, contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
}
