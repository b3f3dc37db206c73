/// How long the store keeps what grows with every pass and round (`retention:` in the
/// controller config). Audit records and template versions are never removed: they are the
/// lineage. Rows still needed are kept whatever their age: measurements of a rollout in
/// progress and events whose notification is not yet delivered.
public struct RetentionPolicy: Sendable, Equatable {
    /// Limits for one table: rows older than `maxAge` go, and beyond the newest `maxCount`.
    public struct Limit: Sendable, Equatable {
        /// Rows older than this are removed.
        public var maxAge: Duration
        /// At most this many rows are kept (the newest).
        public var maxCount: Int

        /// Creates a limit.
        public init(maxAge: Duration, maxCount: Int) {
            self.maxAge = maxAge
            self.maxCount = maxCount
        }
    }

    /// Events (`/api/v1/events`): 90 days, 100,000 rows.
    public var events = Limit(maxAge: .seconds(90 * 86_400), maxCount: 100_000)
    /// Analysis measurements: 90 days, 100,000 rows.
    public var measurements = Limit(maxAge: .seconds(90 * 86_400), maxCount: 100_000)
    /// Deployment history (version switches): 365 days, 100,000 rows.
    public var history = Limit(maxAge: .seconds(365 * 86_400), maxCount: 100_000)
    /// How often the controller prunes.
    public var interval: Duration = .seconds(3_600)

    /// The defaults.
    public init() {}
}
