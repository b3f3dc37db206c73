import Foundation
import Hummingbird
import PromptOpsAnalysis
import PromptOpsCore
import Testing

/// The web provider against a JSON scoring service stub on loopback.
struct WebProviderTests {
    static func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/score") { _, _ in
            jsonResponse("""
                {"data": {"scores": [{"value": 0.91}, {"value": 0.5}], "label": "good", "text": "0.85",
                          "nothing": null, "flag": true, "one": 1},
                 "p 95": 3, "nan": "NaN"}
                """)
        }
        router.get("/garbage") { _, _ in jsonResponse("<html>oops INTERNAL-SECRET-PAGE</html>") }
        // A redirect elsewhere (where the request, and a credential, must never go).
        router.get("/moved") { _, _ in
            Response(status: .found, headers: [.location: "http://169.254.169.254/latest/meta-data/?score=1"])
        }
        router.get("/denied") { _, _ in jsonResponse(#"{"error": "INTERNAL-SECRET-DETAIL for admin@corp"}"#, status: .forbidden) }
        router.get("/slow") { _, _ -> Response in
            try await Task.sleep(for: .seconds(2))
            return jsonResponse(#"{"score": 1}"#)
        }
        return router
    }

    // 30 s: these tests read answers, not timeouts; a loaded full run once took over 5 s on loopback.
    static func metric(_ url: String, _ path: String, timeout: String = "30s") throws -> Deployment.Metric {
        let quoted = path.replacingOccurrences(of: "'", with: "''")
        return try Fixtures.metric("judge", provider: "{web: {url: '\(url)', jsonPath: '\(quoted)', timeout: \(timeout)}}",
                                   range: "{min: 0.8}")
    }

    @Test(arguments: [
        ("/score", "$.data.scores[0].value", MeasurementVerdict.successful, 0.91 as Double?, "= 0.91"),
        ("/score", "$.data.scores[1].value", .failed, 0.5, "= 0.5"),
        ("/score", "$.data.scores[-1].value", .failed, 0.5, "= 0.5"),
        ("/score", "$['data'][\"text\"]", .successful, 0.85, "= 0.85"),
        ("/score", "$.data.one", .successful, 1, "= 1.0"),
        ("/score", "$.data.missing", .inconclusive, nil, "no value at $.data.missing"),
        ("/score", "$.data.scores[7].value", .inconclusive, nil, "no value at"),
        ("/score", "$.data.nothing", .inconclusive, nil, "is null"),
        ("/score", "$.nan", .inconclusive, nil, "is NaN"),
        ("/score", "$.data.label", .error, nil, "is a string \"good\", not a number"),
        ("/score", "$.data.flag", .error, nil, "is a boolean (true), not a number"),
        ("/score", "data.x", .error, nil, "invalid JSONPath \"data.x\": it must start with $"),
        ("/score", "$.data[?(@.x)]", .error, nil, "not an array index"),
        ("/garbage", "$.score", .error, nil, "the body is not JSON"),
        ("/nowhere", "$.score", .error, nil, "answered HTTP 404 (not found)"),
        ("/moved", "$.score", .error, nil, "answered HTTP 302 (a redirect, not followed)"),
        ("/denied", "$.score", .error, nil, "answered HTTP 403 (not authorized)"),
    ])
    func readsANumberAtAPath(path: String, jsonPath: String, verdict: MeasurementVerdict, value: Double?, message: String) async throws {
        let measurement = try await StubServer.run(Self.router()) { base in
            try await withHTTPClient { client in
                await WebProvider(httpClient: client).measure(try Self.metric(base + path, jsonPath), now: Date())
            }
        }
        #expect(measurement.verdict == verdict, "\(measurement.message ?? "")")
        #expect(measurement.value == value)
        #expect(measurement.message?.contains(message) == true, "\(measurement.message ?? "")")
        // No text of the answer reaches the measurement (the API serves it).
        #expect(measurement.message?.contains("INTERNAL-SECRET") == false, "\(measurement.message ?? "")")
    }

    @Test func aNestedPathReadsFromTheRealDocument() throws {
        let doc = try #require(JSONValue.parse(Array(#"{"a":{"b":[{"c":"x"},{"c":2.5}]},"k e y":true}"#.utf8)))
        #expect(try JSONPath("$.a.b[1].c").select(in: doc) == .number(2.5))
        #expect(try JSONPath("$['k e y']").select(in: doc) == .bool(true))
        #expect(try JSONPath("$").select(in: doc) == doc)
        #expect(try JSONPath("$.a.b").components == [.key("a"), .key("b")])
        #expect(throws: JSONPath.SyntaxError.self) { try JSONPath("$.a[") }
        #expect(throws: JSONPath.SyntaxError.self) { try JSONPath("$.a..b") }
    }

    @Test func aSlowServiceTimesOut() async throws {
        let measurement = try await StubServer.run(Self.router()) { base in
            try await withHTTPClient { client in
                await WebProvider(httpClient: client).measure(try Self.metric(base + "/slow", "$.score", timeout: "200ms"), now: Date())
            }
        }
        #expect(measurement.verdict == .error)
        #expect(measurement.message?.contains("no answer from") == true, "\(measurement.message ?? "")")
    }

    @Test func anUnusableURLIsAnError() async throws {
        let measurement = try await withHTTPClient { client in
            await WebProvider(httpClient: client).measure(try Self.metric("not a url", "$.score"), now: Date())
        }
        #expect(measurement.verdict == .error)
        #expect(measurement.message?.contains("invalid endpoint") == true, "\(measurement.message ?? "")")
    }
}
