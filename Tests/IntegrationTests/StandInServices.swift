import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers

/// What a user brings, stood in for by one real HTTP server on 127.0.0.1: an
/// OpenAI-compatible chat endpoint and a Prometheus query API, whose answers the test sets.
final class StandInServices: Sendable {
    /// The Prometheus instant-query result: nil = an empty vector (no data).
    let prometheusValue = NIOLockedValueBox<Double?>(0.01)
    /// The answer to a query naming `variant="stable"` (nil: the same as any other query).
    let prometheusStableValue = NIOLockedValueBox<Double?>(nil)
    /// Model calls answered.
    let modelCalls = NIOLockedValueBox<Int>(0)
    /// The judge model answers 503 to this many calls before answering normally.
    let judgeFailuresLeft = NIOLockedValueBox<Int>(0)

    func run<T: Sendable>(_ body: @escaping @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.get("/api/v1/query") { [prometheusValue, prometheusStableValue] request, _ -> Response in
            let query = request.uri.queryParameters.get("query") ?? ""
            let stable = query.contains(#"variant="stable""#) ? prometheusStableValue.withLockedValue { $0 } : nil
            let value = stable ?? prometheusValue.withLockedValue { $0 }
            let result = value.map { "[{\"metric\":{},\"value\":[1700000000,\"\($0)\"]}]" } ?? "[]"
            return Self.json("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":\(result)}}")
        }
        // The "model" follows one instruction: it greets whoever the prompt says to address,
        // unless the prompt tells it to be rude.
        router.post("/v1/chat/completions") { [modelCalls] request, context -> Response in
            modelCalls.withLockedValue { $0 += 1 }
            let body = try await request.body.collect(upTo: 1 << 20)
            let text = String(buffer: body)
            let answer: String
            if text.contains("be rude") {
                answer = "As an AI language model I will not help you."
            } else if let range = text.range(of: "Greet ") {
                let name = text[range.upperBound...].prefix { $0.isLetter }
                answer = "Hello \(name), how can I help?"
            } else {
                answer = "Hello, how can I help?"
            }
            let escaped = answer.replacingOccurrences(of: "\"", with: "\\\"")
            return Self.json("{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"\(escaped)\"},\"finish_reason\":\"stop\"}]}")
        }
        // A second "model" for the comparative judge: answers PASS with the probability the
        // prompt states as `quality=NN` (percent), else FAIL; a seeded generator per server.
        let judgeRandom = NIOLockedValueBox(UInt64(0x5EED))
        router.post("/judge/v1/chat/completions") { [modelCalls, judgeFailuresLeft] request, _ -> Response in
            modelCalls.withLockedValue { $0 += 1 }
            let fail = judgeFailuresLeft.withLockedValue { left -> Bool in
                guard left > 0 else { return false }
                left -= 1
                return true
            }
            if fail {
                return Response(status: .serviceUnavailable, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"message":"overloaded"}}"#)))
            }
            let text = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let quality = text.range(of: #"quality=[0-9]+"#, options: .regularExpression)
                .flatMap { Double(text[$0].dropFirst("quality=".count)) } ?? 0
            let draw = judgeRandom.withLockedValue { state -> Double in
                // SplitMix64.
                state &+= 0x9E37_79B9_7F4A_7C15
                var z = state
                z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
            }
            let answer = draw * 100 < quality ? "PASS" : "FAIL"
            return Self.json("{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"\(answer)\"},\"finish_reason\":\"stop\"}]}")
        }
        var logger = Logger(label: "stand-ins")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        return try await app.test(.live) { client in try await body(client.port!) }
    }

    static func json(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
