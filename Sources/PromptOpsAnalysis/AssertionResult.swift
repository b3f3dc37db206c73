/// The verdict of one assertion on one model output.
public struct AssertionResult: Sendable, Equatable, Codable {
    /// The assertion type as written (`contains`, `max-length`, ...).
    public var type: String
    /// The assertion's argument as text, when it has one.
    public var value: String?
    /// Its weight in the score.
    public var weight: Double
    /// Whether the output satisfied it.
    public var passed: Bool
    /// Why it passed or failed, in words a prompt author can act on.
    public var reason: String

    /// Creates a result.
    public init(type: String, value: String?, weight: Double, passed: Bool, reason: String) {
        self.type = type
        self.value = value
        self.weight = weight
        self.passed = passed
        self.reason = reason
    }
}

/// The weighted score of one output against one test's assertions.
public struct TestScore: Sendable, Equatable, Codable {
    /// Passed weight over total weight, in `0...1` (1 when there is no weight at all).
    public var score: Double
    /// The score needed to pass.
    public var threshold: Double
    /// Whether `score` reached `threshold`.
    public var passed: Bool
    /// One result per assertion, in the test's order.
    public var assertions: [AssertionResult]

    /// Creates a score.
    public init(score: Double, threshold: Double, passed: Bool, assertions: [AssertionResult]) {
        self.score = score
        self.threshold = threshold
        self.passed = passed
        self.assertions = assertions
    }
}
