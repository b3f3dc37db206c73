import PromptOpsStore

/// Per-Deployment rollout series for `/metrics`, read from the store at scrape time:
/// the phase (one series per phase, 1 for the current), the canary weight, and counters of
/// promotions and rollbacks (from the Deployment's history, so they survive restarts).
enum RolloutMetrics {
    static let phases = ["Healthy", "Progressing", "Paused", "Degraded"]

    static func exposition(_ list: [RolloutSummary]) -> String {
        var out = "# HELP promptops_deployment_phase Rollout phase of a Deployment (1 for the current phase).\n# TYPE promptops_deployment_phase gauge\n"
        for d in list {
            for phase in phases {
                out += "promptops_deployment_phase{\(labels(d)),phase=\"\(phase)\"} \(d.phase == phase ? 1 : 0)\n"
            }
        }
        out += "# HELP promptops_canary_weight Percent of request keys routed to the canary.\n# TYPE promptops_canary_weight gauge\n"
        for d in list { out += "promptops_canary_weight{\(labels(d))} \(d.canaryWeight)\n" }
        out += "# HELP promptops_promotions_total Canaries promoted to stable.\n# TYPE promptops_promotions_total counter\n"
        for d in list { out += "promptops_promotions_total{\(labels(d))} \(d.promotions)\n" }
        out += "# HELP promptops_rollbacks_total Canaries rolled back.\n# TYPE promptops_rollbacks_total counter\n"
        for d in list { out += "promptops_rollbacks_total{\(labels(d))} \(d.rollbacks)\n" }
        return out
    }

    /// Namespace and deployment names are DNS-1123 labels: nothing to escape.
    static func labels(_ d: RolloutSummary) -> String { "namespace=\"\(d.namespace)\",deployment=\"\(d.deployment)\"" }
}
