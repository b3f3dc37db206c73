import Foundation

/// A `Deployment`: serves a template, switching versions directly or by canary.
public struct Deployment: Sendable, Equatable {
    /// How a new version reaches traffic.
    public enum StrategyType: String, Sendable, Hashable {
        case canary = "Canary", direct = "Direct"
        /// A fixed split between the stable version and the new one, judged until decided or
        /// until its horizon; promoted only when configured (``Experiment``).
        case experiment = "Experiment"

        /// The new version reaches traffic gradually, as a canary (Canary and Experiment).
        public var isGradual: Bool { self != .direct }
    }

    /// `strategy.experiment`: an A/B experiment between the stable version (variant `stable`)
    /// and the new one (variant `canary`). It runs as the steps `setWeight: weight` → `analysis`
    /// (the judge and/or metrics, without a round limit from `count` for the judge) → a manual
    /// pause (unless `promote`), so everything a canary has — sticky keys, events, overrides —
    /// applies. The analysis stops at the judge's decision, or pauses at `duration`.
    public struct Experiment: Sendable, Equatable {
        /// Percent of request keys on the new version for the whole experiment.
        public var weight: Int
        /// The horizon: the analysis pauses for a person when it has not decided by then.
        public var duration: Duration?
        /// Promote the new version when the judge says Promote; otherwise wait for a person.
        public var promote: Bool

        /// The canary steps it runs as.
        public var steps: [Step] { [.setWeight(weight), .analysis] + (promote ? [] : [.pause(nil)]) }
    }

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

        /// An analysis running this long without completing pauses (an Experiment's horizon).
        public var maxDuration: Duration?

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
    /// Canary steps (empty for Direct; an Experiment's, see ``Experiment/steps``).
    public var steps: [Step]
    /// Analysis, when configured. Kept in a box: most Deployments have none, and an
    /// `Analysis?` stored inline (~200 bytes) was more than half of every Deployment, which a
    /// controller holds for the whole repository between passes (in dictionaries that keep a
    /// quarter of their slots empty).
    public var analysis: Analysis? {
        get { analysisBox?.value }
        set { analysisBox = newValue.map(AnalysisBox.init) }
    }
    private var analysisBox: AnalysisBox?

    /// Holds an analysis out of line (see ``analysis``).
    final class AnalysisBox: Sendable {
        let value: Analysis
        init(_ value: Analysis) { self.value = value }
    }
    /// The experiment, for strategy Experiment.
    public var experiment: Experiment?
    /// The whole document, for locations. Kept packed (``PackedLocatedValue``): a controller
    /// holds every Deployment of a repository between passes, and the tree was most of a
    /// Deployment's memory. Each read rebuilds the tree: read it once per use.
    public var document: LocatedValue {
        get { packedDocument.value }
        set { packedDocument = PackedLocatedValue(newValue) }
    }
    private var packedDocument: PackedLocatedValue
    /// SHA-256 (hex) of the canonical JSON of `spec`: the Deployment's identity in the store,
    /// computed once when the file is read (a controller keeps loaded files between passes,
    /// and each pass plans from it; the JSON itself is not kept: it is memory for every
    /// Deployment of the repository, and encoding it again is cheap).
    public var specHash: String

    /// The object's key.
    public var key: ObjectKey { ObjectKey(kind: "Deployment", namespace: meta.namespace, name: meta.name) }

    /// Creates a Deployment.
    public init(meta: ObjectMeta, template: String, environment: String?, strategy: StrategyType, steps: [Step],
                analysis: Analysis?, experiment: Experiment?, document: LocatedValue, specHash: String) {
        self.meta = meta
        self.template = template
        self.environment = environment
        self.strategy = strategy
        self.steps = steps
        analysisBox = analysis.map(AnalysisBox.init)
        self.experiment = experiment
        packedDocument = PackedLocatedValue(document)
        self.specHash = specHash
    }

    /// An equal Deployment whose strings, arrays and packed document have storage of their
    /// own (see ``FreshStorage``; a file's Deployments are kept between passes). Equal label
    /// maps are stored once with those in `maps`, and the document's path shares `path`'s
    /// storage. The rare analysis is shared, not copied.
    func keptCopy(sharing maps: inout SharedMaps, path: String) -> Deployment {
        var copy = self
        copy.meta = ObjectMeta(name: FreshStorage.string(meta.name), namespace: FreshStorage.string(meta.namespace),
                               labels: maps.share(meta.labels), annotations: maps.share(meta.annotations))
        copy.template = FreshStorage.string(template)
        copy.environment = environment.map(FreshStorage.string)
        copy.steps = FreshStorage.array(steps)
        copy.packedDocument = PackedLocatedValue(copying: packedDocument, sharing: path)
        copy.specHash = FreshStorage.string(specHash)
        return copy
    }

    public static func == (lhs: Deployment, rhs: Deployment) -> Bool {
        lhs.meta == rhs.meta && lhs.template == rhs.template && lhs.environment == rhs.environment && lhs.strategy == rhs.strategy
            && lhs.steps == rhs.steps && lhs.analysis == rhs.analysis && lhs.experiment == rhs.experiment
            && lhs.specHash == rhs.specHash && (lhs.packedDocument === rhs.packedDocument || lhs.document == rhs.document)
    }
}

extension Deployment.Metric {
    /// The placeholder a `prometheus` query or a `web` URL may hold for the variant measured.
    public static let variantPlaceholder = "{{variant}}"

    /// Whether the provider names a variant: an Experiment measures such a metric for each
    /// variant and judges the effect (canary − stable); a Canary measures the canary.
    public var isPerVariant: Bool {
        switch provider {
        case .prometheus(_, let query, _): return query.contains(Self.variantPlaceholder)
        case .web(let url, _, _): return url.contains(Self.variantPlaceholder)
        case .evaluation, .comparative: return false
        }
    }

    /// The metric with `{{variant}}` replaced by `variant` (`stable` or `canary`; a fixed word,
    /// so nothing from outside is spliced into a query or URL).
    public func forVariant(_ variant: String) -> Deployment.Metric {
        var m = self
        switch provider {
        case .prometheus(let address, let query, let timeout):
            m.provider = .prometheus(address: address, query: query.replacingOccurrences(of: Self.variantPlaceholder, with: variant), timeout: timeout)
        case .web(let url, let path, let timeout):
            m.provider = .web(url: url.replacingOccurrences(of: Self.variantPlaceholder, with: variant), jsonPath: path, timeout: timeout)
        case .evaluation, .comparative:
            break
        }
        return m
    }
}

extension MetricMeasurement {
    /// An Experiment's per-variant metric: the effect (canary − stable) judged against the
    /// metric's threshold range, both values in the message. A provider error on either
    /// variant is an error; no data on either is inconclusive.
    public static func effect(of metric: Deployment.Metric, canary: MetricMeasurement, stable: MetricMeasurement, at: Date) -> MetricMeasurement {
        if canary.verdict == .error || stable.verdict == .error {
            let which = canary.verdict == .error ? ("canary", canary) : ("stable", stable)
            return .error(metric: metric.name, message: "variant \(which.0): \(which.1.message ?? "provider failed")", at: at)
        }
        guard let c = canary.value, let s = stable.value else {
            return MetricMeasurement(metric: metric.name, value: nil, verdict: .inconclusive,
                                     message: "no data for variant \(canary.value == nil ? "canary" : "stable")", at: at)
        }
        return MetricMeasurement(metric: metric, value: c - s,
                                 message: "effect canary - stable \(c - s) (canary \(c), stable \(s))", at: at)
    }
}
