import Foundation
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
    /// Whether plain `resolve` and `render` requests are answered on the event loop (from the
    /// connection's bytes, ``WireServingPath``, or after NIO's decoder, ``ServingFastPath``);
    /// off, every request goes through the router (tests compare the two).
    public var fastPath = true

    /// Links from the dashboard to files on the git host, by source name (a source's
    /// `browseURL`).
    public var browse: [String: BrowseLink] = [:]

    /// The default body limit: 64 KiB, far above any real render request.
    public static let defaultMaxBodyBytes = 64 * 1024

    /// Creates a configuration (default `127.0.0.1:8080`, as the `controller` command).
    public init(host: String = "127.0.0.1", port: Int = 8080, maxBodyBytes: Int = ServerConfiguration.defaultMaxBodyBytes) {
        self.host = host
        self.port = port
        self.maxBodyBytes = maxBodyBytes
    }
}

/// A source's `browseURL`: `{revision}`, `{path}` and `{line}` filled in to link a file at a
/// line on the git host (GitHub's `…/blob/{revision}/{path}#L{line}`).
public struct BrowseLink: Sendable, Equatable {
    /// The pattern.
    public var pattern: String

    /// Creates a link pattern.
    public init(pattern: String) {
        self.pattern = pattern
    }

    /// The link for `path` (repository-relative, as diagnostics and stored objects name files,
    /// a source's sub-directory included) at `line` of `revision`; nil unless it is an http(s)
    /// URL (a pattern is configuration, the path comes from git: each of its segments is
    /// percent-encoded).
    public func url(revision: String, path: String, line: Int) -> String? {
        let segments = path.split(separator: "/").map { HTMLText.segment(String($0)) }
        let hex = revision.allSatisfy(\.isHexDigit) ? revision : ""
        let url = pattern.replacingOccurrences(of: "{revision}", with: hex)
            .replacingOccurrences(of: "{path}", with: segments.joined(separator: "/"))
            .replacingOccurrences(of: "{line}", with: String(max(line, 1)))
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else { return nil }
        return url
    }
}
