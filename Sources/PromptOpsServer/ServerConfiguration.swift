import PromptOpsCore

/// Where the read-only HTTP endpoint listens and what it accepts.
public struct ServerConfiguration: Sendable, Equatable {
    /// The address to bind (`127.0.0.1` keeps the endpoint local).
    public var host: String
    /// The port; 0 picks a free one (tests).
    public var port: Int
    /// The largest request body accepted; a larger one is answered 413.
    public var maxBodyBytes: Int
    /// How long a connection may go without a complete request head (a new connection, or
    /// one waiting between requests) before it is closed: a client trickling a request's
    /// header bytes (slowloris) holds its connection this long at most.
    public var idleTimeout: Duration = .seconds(30)
    /// The largest header block accepted (all fields), and the most fields.
    public var maxHeaderBytes = 32 * 1024
    public var maxHeaderFields = 100
    /// What one render request may cost (output bytes, template steps); over it is a 422.
    public var renderLimits = RenderLimits.standard
    /// A span per request (W3C `traceparent` honoured), when the process bootstrapped a tracer
    /// (`telemetry.traces`); off, the request path has no tracing middleware at all.
    public var tracing = false
    /// Whether plain `resolve` and `render` requests are answered on the event loop
    /// (``ServingFastPath``); off, every request goes through the router (tests compare the two).
    public var fastPath = true

    /// The default body limit: 64 KiB, far above any real render request.
    public static let defaultMaxBodyBytes = 64 * 1024

    /// Creates a configuration (default `127.0.0.1:8080`, as the `controller` command).
    public init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = ServerConfiguration.defaultMaxBodyBytes) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
    }
}
