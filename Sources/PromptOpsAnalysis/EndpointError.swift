import AsyncHTTPClient
import Foundation
import NIOCore

/// Why a call to a service the user brings (model endpoint, Prometheus, scoring service) failed.
public enum EndpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The endpoint or URL cannot be used (`endpoint` is what was configured).
    case invalidEndpoint(String, reason: String)
    /// Nothing accepted the connection (refused, unknown host, network unreachable).
    case connectionFailed(url: String, reason: String)
    /// No complete answer within the timeout.
    case timedOut(url: String, after: Duration)
    /// The server answered with a non-2xx status. Its body is never kept: measurements are
    /// served by the API, and a provider URL must not become a way to read another service's
    /// answers (the status and a classified reason are enough to act on).
    case httpStatus(url: String, status: Int)
    /// The answer was not the expected JSON shape.
    case badResponse(url: String, reason: String)

    /// A stable code for logs and JSON: `invalid-endpoint`, `connection-failed`, `timeout`,
    /// `http-status`, `bad-response`.
    public var code: String {
        switch self {
        case .invalidEndpoint: return "invalid-endpoint"
        case .connectionFailed: return "connection-failed"
        case .timedOut: return "timeout"
        case .httpStatus: return "http-status"
        case .badResponse: return "bad-response"
        }
    }

    /// A sentence for people.
    public var description: String {
        switch self {
        case .invalidEndpoint(let endpoint, let reason):
            return "invalid endpoint \"\(endpoint)\": \(reason)"
        case .connectionFailed(let url, let reason):
            return "cannot connect to \(url): \(reason)"
        case .timedOut(let url, let after):
            return "no answer from \(url) within \(after.promptOpsText)"
        case .httpStatus(let url, let status):
            return "\(url) answered HTTP \(status) (\(Self.reason(status)))"
        case .badResponse(let url, let reason):
            return "unexpected answer from \(url): \(reason)"
        }
    }

    /// A status class people can act on.
    static func reason(_ status: Int) -> String {
        switch status {
        case 300..<400: return "a redirect, not followed"
        case 401, 403: return "not authorized"
        case 404: return "not found"
        case 408, 504: return "timed out upstream"
        case 429: return "rate limited"
        case 400..<500: return "request refused"
        default: return "server error"
        }
    }

    /// Classifies an error thrown by `HTTPClient.execute` or while reading the body.
    static func classify(_ error: any Error, url: String, timeout: Duration, elapsed: Duration) -> EndpointError {
        if let known = error as? EndpointError { return known }
        if let client = error as? HTTPClientError {
            switch client {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .getConnectionFromPoolTimeout, .writeTimeout:
                return .timedOut(url: url, after: timeout)
            case .invalidURL, .emptyHost, .emptyScheme:
                return .invalidEndpoint(url, reason: String(describing: client))
            case .remoteConnectionClosed:
                return .badResponse(url: url, reason: "the server closed the connection before answering")
            default:
                break
            }
        }
        if error is CancellationError, elapsed >= timeout { return .timedOut(url: url, after: timeout) }
        if let io = error as? IOError {
            return .connectionFailed(url: url, reason: io.errnoCode == ECONNREFUSED ? "connection refused" : String(describing: io))
        }
        if elapsed >= timeout { return .timedOut(url: url, after: timeout) }
        // NIO's connection error lists every attempt; "connection refused" is the usual one.
        let text = String(describing: error)
        return .connectionFailed(url: url, reason: text.lowercased().contains("refused") ? "connection refused" : text)
    }
}

extension Duration {
    /// `500ms`, `30s`, `1.5s` — the manifest's own way of writing durations.
    var promptOpsText: String {
        let ms = Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
        if ms < 1000 { return "\(Int(ms.rounded()))ms" }
        let s = ms / 1000
        return s == s.rounded() ? "\(Int(s))s" : "\(s)s"
    }

    /// The duration as NIO's `TimeAmount`.
    var timeAmount: TimeAmount {
        .nanoseconds(components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000)
    }

    /// The duration in milliseconds.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
