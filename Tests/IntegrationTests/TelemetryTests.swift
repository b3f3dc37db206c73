import Crypto
import Foundation
import Testing

/// The controller's traces, exported over OTLP/HTTP (JSON) to a recording receiver on
/// loopback standing in for an OpenTelemetry collector.
@Suite("Traces over OTLP/HTTP")
struct TelemetryTests {
    /// One span as the receiver got it.
    struct Span {
        var traceID: String
        var spanID: String
        var parentID: String
        var name: String
        var attributes: [String: String]
    }

    /// OTLP/JSON ids are hex; a protobuf-JSON encoder writes bytes as base64: both read as hex.
    static func hex(_ id: Any?) -> String {
        guard let text = id as? String, !text.isEmpty else { return "" }
        if text.count % 2 == 0, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        guard let data = Data(base64Encoded: text) else { return text }
        return data.map { String(format: "%02x", $0) }.joined()
    }

    /// Every span in the receiver's OTLP/JSON export requests, with the service names seen.
    static func spans(_ requests: [RecordingServer.Request]) -> (spans: [Span], services: Set<String>) {
        var spans: [Span] = []
        var services: Set<String> = []
        for request in requests where request.path.hasSuffix("/v1/traces") {
            for resourceSpans in request.json["resourceSpans"] as? [[String: Any]] ?? [] {
                let resource = (resourceSpans["resource"] as? [String: Any])?["attributes"] as? [[String: Any]] ?? []
                for attribute in resource where attribute["key"] as? String == "service.name" {
                    if let name = (attribute["value"] as? [String: Any])?["stringValue"] as? String { services.insert(name) }
                }
                for scope in resourceSpans["scopeSpans"] as? [[String: Any]] ?? [] {
                    for span in scope["spans"] as? [[String: Any]] ?? [] {
                        var attributes: [String: String] = [:]
                        for a in span["attributes"] as? [[String: Any]] ?? [] {
                            guard let key = a["key"] as? String, let value = a["value"] as? [String: Any] else { continue }
                            attributes[key] = value.values.first.map { "\($0)" } ?? ""
                        }
                        spans.append(Span(traceID: hex(span["traceId"]), spanID: hex(span["spanId"]), parentID: hex(span["parentSpanId"]),
                                          name: span["name"] as? String ?? "", attributes: attributes))
                    }
                }
            }
        }
        return (spans, services)
    }

    @Test func passesAndRequestsAreTracedAndATraceparentIsHonoured() async throws {
        let receiver = RecordingServer()
        try await receiver.run { base in
            let ws = try GitWorkspace()
            try ws.commit(Manifests.twoTeams(), message: "two teams")
            let dir = ws.path("controller")
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let port = freePort()
            let token = "tok-" + UUID().uuidString
            let digest = SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
            let config = """
                apiVersion: promptops.dev/v1alpha1
                kind: ControllerConfig
                listen: 127.0.0.1:\(port)
                store: {path: \(dir)/store.db}
                sources: [{name: main, url: \(ws.repo.path), interval: 1h}]
                access:
                  tokens: [{name: app, sha256: \(digest), namespaces: ["*"], scopes: [read, render]}]
                telemetry:
                  traces: {endpoint: "\(base)/v1/traces", protocol: http/json, serviceName: promptops-test}
                """
            // Spans leave in batches: every 100 ms here (the default is 5 s).
            let controller = try ControllerProcess(config: config, dir: dir, port: port, environment: ["OTEL_BSP_SCHEDULE_DELAY": "100"])
            defer { controller.stop() }
            _ = await waitForPort(port)
            var ready = false
            for _ in 0..<200 where !ready {
                ready = await controller.get("/readyz")?.0 == 200
                if !ready { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(ready, "\(controller.log.suffix(2000))")

            let traceID = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            let parentID = (0..<8).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
            let answer = await HTTP.request("http://127.0.0.1:\(port)/api/v1/namespaces/alpha/deployments/greet-prod/resolve?key=k",
                                            headers: [("traceparent", "00-\(traceID)-\(parentID)-01"), ("Authorization", "Bearer \(token)")])
            #expect(answer?.0 == 200, "\(String(describing: answer))")

            // Until the request's span and the pass's spans have arrived (at most 20 s).
            var found: (spans: [Span], services: Set<String>) = ([], [])
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                found = Self.spans(receiver.requests)
                let names = Set(found.spans.map(\.name))
                if found.spans.contains(where: { $0.traceID == traceID }) && names.isSuperset(of: ["sync pass", "apply namespace"]) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let spans = found.spans
            #expect(found.services == ["promptops-test"])

            // The request: a span in the caller's trace, child of the caller's span.
            let request = spans.first { $0.traceID == traceID }
            #expect(request?.parentID == parentID, "\(spans.map(\.name))")
            #expect(request?.name.contains("resolve") == true, "\(request?.name ?? "none")")

            // The pass: its steps are its children, and apply has a child per namespace written.
            let pass = try #require(spans.first { $0.name == "sync pass" }, "\(spans.map(\.name))")
            #expect(pass.parentID.isEmpty)
            let children = spans.filter { $0.parentID == pass.spanID }
            #expect(Set(children.map(\.name)).isSuperset(of: ["fetch", "load", "validate", "plan", "apply"]), "\(children.map(\.name))")
            let apply = try #require(children.first { $0.name == "apply" })
            let written = spans.filter { $0.parentID == apply.spanID && $0.name == "apply namespace" }
            #expect(Set(written.compactMap { $0.attributes["promptops.namespace"] }) == ["alpha", "beta"], "\(written.map(\.attributes))")

            // Nothing secret travels with the spans: not the token, not its digest.
            let exported = receiver.requests.map(\.body).joined()
            #expect(!exported.contains(token) && !exported.contains(digest))
        }
    }
}
