import Foundation
import Hummingbird
import PromptOpsAnalysis
import PromptOpsCore
import Testing

/// The Prometheus provider against a stub of `/api/v1/query` on loopback.
struct PrometheusProviderTests {
    /// Answers per query text, the way Prometheus does.
    static func router(log: RequestLog) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/api/v1/query") { request, _ -> Response in
            let query = request.uri.queryParameters["query"].map(String.init) ?? ""
            await log.record(.init(authorization: nil, body: "", query: query))
            func vector(_ values: [String]) -> String {
                let series = values.enumerated().map { #"{"metric":{"i":"\#($0.offset)"},"value":[1700000000.123,"\#($0.element)"]}"# }
                return #"{"status":"success","data":{"resultType":"vector","result":[\#(series.joined(separator: ","))]}}"#
            }
            switch query {
            case "in_range": return jsonResponse(vector(["0.02"]))
            case "out_of_range": return jsonResponse(vector(["0.2"]))
            case "empty": return jsonResponse(vector([]))
            case "nan": return jsonResponse(vector(["NaN"]))
            case "two_series": return jsonResponse(vector(["0.01", "0.02"]))
            case "scalar": return jsonResponse(#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"0.03"]}}"#)
            case "matrix": return jsonResponse(#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#)
            case "broken": return jsonResponse("upstream exploded", status: .internalServerError)
            case "bad_query":
                return jsonResponse(#"{"status":"error","errorType":"bad_data","error":"parse error at char 4"}"#, status: .badRequest)
            case "slow":
                try await Task.sleep(for: .seconds(2))
                return jsonResponse(vector(["0.01"]))
            default: return jsonResponse(vector(["0.01"]))
            }
        }
        return router
    }

    // 30 s: these tests read answers, not timeouts; a loaded full run once took over 5 s on loopback.
    static func metric(_ address: String, _ query: String, timeout: String = "30s") throws -> Deployment.Metric {
        let quoted = query.replacingOccurrences(of: "'", with: "''")
        return try Fixtures.metric("negative-feedback",
                                   provider: "{prometheus: {address: '\(address)', query: '\(quoted)', timeout: \(timeout)}}",
                                   range: "{max: 0.05}")
    }

    @Test(arguments: [
        ("in_range", MeasurementVerdict.successful, 0.02 as Double?, "= 0.02"),
        ("scalar", .successful, 0.03, "= 0.03"),
        ("out_of_range", .failed, 0.2, "= 0.2"),
        ("empty", .inconclusive, nil, "empty vector"),
        ("nan", .inconclusive, nil, "returned NaN"),
        ("two_series", .error, nil, "returned 2 series; aggregate it to one"),
        ("matrix", .error, nil, "result type \"matrix\"; expected vector or scalar"),
        ("broken", .error, nil, "answered HTTP 500 (server error)"),
        ("bad_query", .error, nil, "answered HTTP 400 (request refused)"),
    ])
    func judgesAnswers(query: String, verdict: MeasurementVerdict, value: Double?, message: String) async throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let measurement = try await StubServer.run(Self.router(log: RequestLog())) { base in
            try await withHTTPClient { client in
                await PrometheusProvider(httpClient: client).measure(try Self.metric(base, query), now: now)
            }
        }
        #expect(measurement.verdict == verdict, "\(measurement.message ?? "")")
        #expect(measurement.value == value)
        #expect(measurement.metric == "negative-feedback")
        #expect(measurement.at == now)
        #expect(measurement.message?.contains(message) == true, "\(measurement.message ?? "")")
    }

    @Test func sendsTheQueryEncoded() async throws {
        let log = RequestLog()
        let query = #"sum(rate(feedback_negative{deployment="support-reply-prod",variant="canary"}[5m])) + 0 & x"#
        _ = try await StubServer.run(Self.router(log: log)) { base in
            try await withHTTPClient { client in
                await PrometheusProvider(httpClient: client).measure(try Self.metric(base + "/", query), now: Date())
            }
        }
        #expect(await log.entries.map(\.query) == [query])
        #expect(PrometheusProvider.url(address: "http://p:9090/", query: "a+b c") == "http://p:9090/api/v1/query?query=a%2Bb%20c")
    }

    @Test func aSlowServerTimesOutAsAnError() async throws {
        let measurement = try await StubServer.run(Self.router(log: RequestLog())) { base in
            try await withHTTPClient { client in
                await PrometheusProvider(httpClient: client).measure(try Self.metric(base, "slow", timeout: "250ms"), now: Date())
            }
        }
        #expect(measurement.verdict == .error)
        #expect(measurement.message?.contains("within 250ms") == true, "\(measurement.message ?? "")")
    }

    @Test func anUnreachableServerIsAnError() async throws {
        let (base, measurement) = try await StubServer.withRefusingAddress { base in
            try await withHTTPClient { client in
                (base, await PrometheusProvider(httpClient: client).measure(try Self.metric(base, "in_range"), now: Date()))
            }
        }
        #expect(measurement.verdict == .error)
        #expect(measurement.message?.contains("cannot connect to \(base)/api/v1/query") == true, "\(measurement.message ?? "")")
    }
}
