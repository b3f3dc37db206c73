/// Capped exponential backoff with jitter for transient failures (git unreachable):
/// base, 2·base, 4·base … up to `cap`, each scaled by a random factor in [1 − jitter, 1];
/// ``reset()`` after a success. Pure: the random source is passed in.
public struct RetryBackoff: Sendable, Equatable {
    /// The first delay.
    public var base: Duration
    /// The largest delay.
    public var cap: Duration
    /// Fraction of each delay that is randomised away (0…1).
    public var jitter: Double
    /// Consecutive failures so far.
    public private(set) var failures = 0

    /// Creates a backoff.
    public init(base: Duration, cap: Duration, jitter: Double = 0.2) {
        self.base = base
        self.cap = cap
        self.jitter = jitter
    }

    /// The delay before the next attempt after one more failure.
    public mutating func nextDelay<R: RandomNumberGenerator>(using random: inout R) -> Duration {
        failures += 1
        let exponent = min(failures - 1, 30)
        var delay = base * (1 << exponent)
        if delay > cap { delay = cap }
        let factor = 1 - Double.random(in: 0...jitter, using: &random)
        return delay * factor
    }

    /// Back to the first delay (after a success).
    public mutating func reset() { failures = 0 }
}

/// Adds up to `fraction` of `interval` at random, so many controllers do not poll in step.
public func jittered<R: RandomNumberGenerator>(_ interval: Duration, fraction: Double = 0.1, using random: inout R) -> Duration {
    interval * (1 + Double.random(in: 0...fraction, using: &random))
}
