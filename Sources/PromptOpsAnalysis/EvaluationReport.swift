/// The result of running a template version's tests against a model: per test, per run, the
/// score with reasons, and the overall pass rate (or why there is none).
public struct EvaluationReport: Sendable, Equatable, Codable {
    /// One model call for one test, scored.
    public struct Run: Sendable, Equatable, Codable {
        /// 1-based repeat number within its test.
        public var attempt: Int
        /// Whether the output reached the test's threshold (false when the call failed).
        public var passed: Bool
        /// The weighted score, in `0...1` (0 when the call failed).
        public var score: Double
        /// How long the model call took; nil when it did not complete.
        public var latencyMs: Double?
        /// The model's output, cut at the runner's `outputLimit` characters.
        public var output: String?
        /// Whether `output` was cut.
        public var outputTruncated: Bool
        /// One result per assertion (empty when the call failed).
        public var assertionResults: [AssertionResult]
        /// Why there is no scored output: the render or the model call failed, or it was skipped.
        public var error: String?

        /// Creates a run.
        public init(
            attempt: Int, passed: Bool, score: Double, latencyMs: Double?, output: String?, outputTruncated: Bool,
            assertionResults: [AssertionResult], error: String?
        ) {
            self.attempt = attempt
            self.passed = passed
            self.score = score
            self.latencyMs = latencyMs
            self.output = output
            self.outputTruncated = outputTruncated
            self.assertionResults = assertionResults
            self.error = error
        }
    }

    /// The runs of one test.
    public struct Test: Sendable, Equatable, Codable {
        /// The test's name.
        public var name: String
        /// The score each run needs.
        public var threshold: Double
        /// The runs, in repeat order.
        public var runs: [Run]

        /// Creates a test report.
        public init(name: String, threshold: Double, runs: [Run]) {
            self.name = name
            self.threshold = threshold
            self.runs = runs
        }

        /// How many runs passed.
        public var passedRuns: Int { runs.filter(\.passed).count }
    }

    /// Why a whole evaluation has no pass rate.
    public struct Failure: Sendable, Equatable, Codable, CustomStringConvertible {
        /// `endpoint-failed` (a model call failed: the canary is not to be judged on it) or
        /// `template-not-found`.
        public var code: String
        /// What happened, with the first call's error.
        public var message: String

        /// Creates a failure.
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }

        /// The message.
        public var description: String { message }
    }

    /// The template evaluated.
    public var template: String
    /// Its namespace.
    public var namespace: String
    /// The model endpoint's base URL.
    public var endpoint: String
    /// The model name.
    public var model: String
    /// Calls per test.
    public var repeats: Int
    /// The tests in the template's order.
    public var tests: [Test]
    /// Passed runs over all runs; nil when the evaluation failed or there were no tests.
    public var passRate: Double?
    /// The pass rate needed, when one was given (`--threshold`, or the metric's minimum).
    public var threshold: Double?
    /// Set when a model call failed: the run has no pass rate then.
    public var failure: Failure?

    /// Creates a report.
    public init(
        template: String, namespace: String, endpoint: String, model: String, repeats: Int, tests: [Test],
        passRate: Double?, threshold: Double?, failure: Failure?
    ) {
        self.template = template
        self.namespace = namespace
        self.endpoint = endpoint
        self.model = model
        self.repeats = repeats
        self.tests = tests
        self.passRate = passRate
        self.threshold = threshold
        self.failure = failure
    }

    /// Runs that passed, over all tests.
    public var passedRuns: Int { tests.reduce(0) { $0 + $1.passedRuns } }

    /// Runs over all tests.
    public var totalRuns: Int { tests.reduce(0) { $0 + $1.runs.count } }

    /// Whether there is a pass rate and it reaches the threshold (1.0 when none was given).
    /// The `promptops eval` command exits 1 when this is false and `failure` is nil.
    public var meetsThreshold: Bool {
        guard failure == nil, let passRate else { return false }
        return passRate >= (threshold ?? 1) - 1e-9
    }

    private enum JSONKeys: String, CodingKey {
        case template, namespace, endpoint, model, repeats, tests, passRate, threshold, failure
        case passedRuns, totalRuns, meetsThreshold
    }

    /// Encodes every field, nulls included, plus `passedRuns`, `totalRuns` and `meetsThreshold`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKeys.self)
        try c.encode(template, forKey: .template)
        try c.encode(namespace, forKey: .namespace)
        try c.encode(endpoint, forKey: .endpoint)
        try c.encode(model, forKey: .model)
        try c.encode(repeats, forKey: .repeats)
        try c.encode(tests, forKey: .tests)
        try c.encode(passRate, forKey: .passRate)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(failure, forKey: .failure)
        try c.encode(passedRuns, forKey: .passedRuns)
        try c.encode(totalRuns, forKey: .totalRuns)
        try c.encode(meetsThreshold, forKey: .meetsThreshold)
    }
}
