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
        /// The comparative judge's round: the tests against both versions. Never written in
        /// `metrics`; the analysis adds it as the metric named ``Judge/metricName``.
        case comparative(Judge)
    }

    /// `analysis.judge`: the canary judged against the stable version on the same tests,
    /// sequentially, with stated error rates (``ComparativeJudge``).
    public struct Judge: Sendable, Equatable {
        /// The name its measurements carry.
        public static let metricName = "judge"
        /// OpenAI-compatible chat-completions base URL.
        public var endpoint: String
        /// The model both versions are run with.
        public var model: String
        /// A secret the controller config grants the namespace, sent as the bearer token.
        public var secretRef: String?
        /// Runs per test and version in each round.
        public var repeats: Int
        /// Per-call timeout.
        public var timeout: Duration
        /// Margin, error rates and budget.
        public var settings: ComparativeJudge.Settings

        /// Creates a judge setting.
        public init(endpoint: String, model: String, secretRef: String? = nil, repeats: Int = 3,
                    timeout: Duration = .seconds(30), settings: ComparativeJudge.Settings = .init()) {
            self.endpoint = endpoint
            self.model = model
            self.secretRef = secretRef
            self.repeats = repeats
            self.timeout = timeout
            self.settings = settings
        }

        /// The judge as the metric an analysis round requests.
        public var metric: Metric { Metric(name: Self.metricName, provider: .comparative(self), min: nil, max: nil) }
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
        /// The comparative judge, beside or instead of the metrics (all must pass).
        public var judge: Judge?

        /// Creates an analysis configuration.
        public init(interval: Duration, count: Int, failureLimit: Int, inconclusiveLimit: Int,
                    consecutiveErrorLimit: Int, metrics: [Metric], judge: Judge? = nil) {
            self.interval = interval
            self.count = count
            self.failureLimit = failureLimit
            self.inconclusiveLimit = inconclusiveLimit
            self.consecutiveErrorLimit = consecutiveErrorLimit
            self.metrics = metrics
            self.judge = judge
        }

        /// Whether an analysis step has anything to measure.
        public var measuresSomething: Bool { !metrics.isEmpty || judge != nil }
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
