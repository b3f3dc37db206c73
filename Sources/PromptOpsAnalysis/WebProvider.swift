import AsyncHTTPClient
import Foundation
import PromptOpsCore

/// Measures a metric from any JSON service: `GET url`, then a ``JSONPath`` picks the number
/// (a JSON number, or a string holding one).
///
/// Nothing at the path, `null` or NaN is Inconclusive; an unreachable service, a non-2xx
/// answer, a body that is not JSON, a bad path or a value that is not a number is an Error.
public struct WebProvider: Sendable {
    /// What the path found.
    public enum Sample: Sendable, Equatable {
        /// A number.
        case value(Double)
        /// Nothing usable yet: the reason.
        case noData(String)
    }

    private let exchange: HTTPExchange

    /// A provider using `httpClient` (its owner shuts it down).
    public init(httpClient: HTTPClient) {
        self.exchange = HTTPExchange(client: httpClient)
    }

    /// Fetches `url` and reads the number at `jsonPath`.
    /// - Throws: ``EndpointError`` when the service cannot be asked or its answer is unusable.
    public func sample(url: String, jsonPath: String, timeout: Duration) async throws(EndpointError) -> Sample {
        let path: JSONPath
        do { path = try JSONPath(jsonPath) } catch { throw .invalidEndpoint(url, reason: error.description) }
        let json = try await exchange.getJSON(url, timeout: timeout)
        guard let found = path.select(in: json) else { return .noData("no value at \(jsonPath)") }
        if found == .null { return .noData("\(jsonPath) is null") }
        guard let number = found.numericValue else {
            throw .badResponse(url: url, reason: "\(jsonPath) is \(found.summary), not a number")
        }
        return number.isNaN ? .noData("\(jsonPath) is NaN") : .value(number)
    }

    /// Measures `metric` (a `web` provider) at `now`.
    public func measure(_ metric: Deployment.Metric, now: Date) async -> MetricMeasurement {
        guard case .web(let url, let jsonPath, let timeout) = metric.provider else {
            return .error(metric: metric.name, message: "not a web metric", at: now)
        }
        do {
            switch try await sample(url: url, jsonPath: jsonPath, timeout: timeout) {
            case .value(let value):
                return MetricMeasurement(metric: metric, value: value, message: "web: \(jsonPath) = \(value)", at: now)
            case .noData(let reason):
                return MetricMeasurement(metric: metric.name, value: nil, verdict: .inconclusive,
                                         message: "web: \(reason) in the answer of \(url)", at: now)
            }
        } catch {
            return .error(metric: metric.name, message: "web: \(error)", at: now)
        }
    }
}
