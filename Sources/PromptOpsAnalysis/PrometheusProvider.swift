import AsyncHTTPClient
import Foundation
import PromptOpsCore

/// Measures a metric with a Prometheus instant query (`GET {address}/api/v1/query?query=...`).
///
/// The query must come down to one number: a scalar, or a vector of exactly one sample (wrap
/// it in `sum(...)` otherwise). An empty vector or NaN is Inconclusive (no data yet); an
/// unreachable server, a non-2xx answer, `status: error` or another result type is an Error.
public struct PrometheusProvider: Sendable {
    /// What an instant query came down to.
    public enum Sample: Sendable, Equatable {
        /// One value (possibly NaN or infinite, as Prometheus sent it).
        case value(Double)
        /// No sample: the reason, for the measurement's message.
        case noData(String)
    }

    private let exchange: HTTPExchange

    /// A provider using `httpClient` (its owner shuts it down).
    public init(httpClient: HTTPClient) {
        self.exchange = HTTPExchange(client: httpClient)
    }

    /// The query URL: `{address}/api/v1/query?query=<percent-encoded query>`.
    public static func url(address: String, query: String) -> String {
        var base = address
        while base.hasSuffix("/") { base.removeLast() }
        var allowed = CharacterSet.alphanumerics.intersection(.init(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return base + "/api/v1/query?query=" + (query.addingPercentEncoding(withAllowedCharacters: allowed) ?? query)
    }

    /// Runs `query` against the server at `address`.
    /// - Throws: ``EndpointError`` when the server cannot be asked or its answer is unusable.
    public func sample(address: String, query: String, timeout: Duration) async throws(EndpointError) -> Sample {
        let url = Self.url(address: address, query: query)
        let json = try await exchange.getJSON(url, timeout: timeout)
        guard json["status"]?.string == "success" else {
            // Prometheus' errorType is one of a few fixed words; its error text is not kept.
            let known: Set<String> = ["timeout", "canceled", "execution", "bad_data", "internal", "unavailable", "not_found"]
            let kind = json["errorType"]?.string.flatMap { known.contains($0) ? " (\($0))" : nil } ?? ""
            throw .badResponse(url: url, reason: "status \(json["status"]?.string == "error" ? "error" : "not success")\(kind)")
        }
        let data = json["data"]
        switch data?["resultType"]?.string {
        case "scalar":
            guard let value = data?["result"]?[1]?.numericValue else {
                throw .badResponse(url: url, reason: "scalar result without a [time, \"value\"] pair")
            }
            return value.isNaN ? .noData("the query returned NaN") : .value(value)
        case "vector":
            guard case .array(let series)? = data?["result"] else {
                throw .badResponse(url: url, reason: "vector result is not an array")
            }
            guard !series.isEmpty else { return .noData("the query returned an empty vector (no data yet)") }
            guard series.count == 1 else {
                throw .badResponse(url: url, reason: "the query returned \(series.count) series; aggregate it to one (e.g. sum(...))")
            }
            guard let value = series[0]["value"]?[1]?.numericValue else {
                throw .badResponse(url: url, reason: "vector sample without a [time, \"value\"] pair")
            }
            return value.isNaN ? .noData("the query returned NaN") : .value(value)
        case let other:
            throw .badResponse(url: url, reason: "result type \(other.map { "\"\($0)\"" } ?? "missing"); expected vector or scalar")
        }
    }

    /// Measures `metric` (a `prometheus` provider) at `now`.
    public func measure(_ metric: Deployment.Metric, now: Date) async -> MetricMeasurement {
        guard case .prometheus(let address, let query, let timeout) = metric.provider else {
            return .error(metric: metric.name, message: "not a prometheus metric", at: now)
        }
        do {
            switch try await sample(address: address, query: query, timeout: timeout) {
            case .value(let value):
                return MetricMeasurement(metric: metric, value: value, message: "prometheus: \(query) = \(value)", at: now)
            case .noData(let reason):
                return MetricMeasurement(metric: metric.name, value: nil, verdict: .inconclusive,
                                         message: "prometheus: \(reason): \(query)", at: now)
            }
        } catch {
            return .error(metric: metric.name, message: "prometheus: \(error)", at: now)
        }
    }
}
