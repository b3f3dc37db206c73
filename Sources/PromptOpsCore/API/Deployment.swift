/// A `Deployment`: serves a template, switching versions directly or by canary.
public struct Deployment: Sendable, Equatable {
    /// How a new version reaches traffic.
    public enum StrategyType: String, Sendable, Hashable { case canary = "Canary", direct = "Direct" }

    /// One canary step.
    public enum Step: Sendable, Equatable {
        case setWeight(Int)
        /// A timed pause, or nil duration for a manual promote.
        case pause(Duration?)
        case analysis
    }

    /// Where a measurement comes from.
    public enum Provider: Sendable, Equatable {
        case evaluation(endpoint: String, model: String, secretRef: String?, repeats: Int, timeout: Duration)
        case prometheus(address: String, query: String, timeout: Duration)
        case web(url: String, jsonPath: String, timeout: Duration)
    }

    /// One measured metric.
    public struct Metric: Sendable, Equatable {
        /// Unique within the analysis.
        public var name: String
        /// The source.
        public var provider: Provider
        /// Lowest successful value.
        public var min: Double?
        /// Highest successful value.
        public var max: Double?
    }

    /// How a canary is measured.
    public struct Analysis: Sendable, Equatable {
        /// Between measurements.
        public var interval: Duration
        /// Measurements per run.
        public var count: Int
        /// Failed measurements tolerated.
        public var failureLimit: Int
        /// Inconclusive measurements tolerated.
        public var inconclusiveLimit: Int
        /// Provider errors in a row tolerated.
        public var consecutiveErrorLimit: Int
        /// What is measured.
        public var metrics: [Metric]
    }

    /// Identity and labels.
    public var meta: ObjectMeta
    /// The template served (same namespace).
    public var template: String
    /// Free environment label.
    public var environment: String?
    /// Canary or Direct.
    public var strategy: StrategyType
    /// Canary steps (empty for Direct).
    public var steps: [Step]
    /// Analysis, when configured.
    public var analysis: Analysis?
    /// The whole document, for locations.
    public var document: LocatedValue

    /// The object's key.
    public var key: ObjectKey { ObjectKey(kind: "Deployment", namespace: meta.namespace, name: meta.name) }
}
