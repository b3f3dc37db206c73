import Foundation
import Glibc
import PromptOpsCore
import PromptOpsStore
import Testing
@testable import PromptOpsServer

/// The server's limit, for the test.
enum ServingAPIStreamLimit { static var value: Int { ServingAPI.maxEventStreams } }

@Suite("GET /api/v1/events/stream (Server-Sent Events)", .serialized)
struct EventStreamTests {
    static func request(_ headers: String = "") -> String {
        "GET /api/v1/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\(headers)\r\n"
    }

    @Test("a new event reaches an open stream; Last-Event-ID resumes with what was missed; shutdown ends open streams")
    func liveAndResumable() async throws {
        let served = try ServedStore(Manifests.repository())
        let before = try served.store.events(limit: 500)
        let firstID = try #require(before.last?.id)
        let kept = KeptSocket()
        let began = ContinuousClock.now
        try await TestServer(served).run { client in
            let port = try #require(client.port)
            let live = RawSocket(port: port)
            kept.socket = live
            live.send(Self.request())
            let head = await live.receiving(until: { $0.contains("retry: 2000") }, seconds: 30)
            #expect(head.hasPrefix("HTTP/1.1 200"), "\(head)")
            #expect(head.lowercased().contains("content-type: text/event-stream"))
            #expect(!head.contains("id: "), "a stream without Last-Event-ID starts with the next event")

            // A commit applied by "another process" (the store is the source).
            _ = try served.apply(Manifests.repository(greeting: "Hi"), revision: ServedStore.revision(2))
            let after = try served.store.events(limit: 500).filter { $0.id > firstID }
            let newest = try #require(after.last)
            let text = await live.receiving(until: { $0.contains("id: \(newest.id)\n") }, seconds: 30)
            for e in after {
                #expect(text.contains("id: \(e.id)\ndata: {"), "event \(e.id) \(e.reason) missing from \(text)")
            }
            #expect(text.contains("\"reason\":\"\(newest.reason)\""))

            // A new measurement is a `measurement` message (no id: resuming counts events).
            let stable = try #require(try served.store.deployment(namespace: "support", name: "support-reply-prod")).stable
            let machine = RolloutStateMachine(stable: .init(version: stable.version, hash: stable.hash))
            let measured = TakenMeasurement(round: 1, canary: .init(version: 2, hash: "h"),
                                            measurement: MetricMeasurement(metric: "score", value: 0.5, verdict: .failed, at: ServedStore.now))
            #expect(try served.store.saveRollout(namespace: "support", deployment: "support-reply-prod", machine: machine,
                                                 expectedGeneration: nil, actions: [], measurements: [measured], now: ServedStore.now))
            let withMeasurement = await live.receiving(until: { $0.contains("\"metric\":\"score\"") }, seconds: 30)
            #expect(withMeasurement.contains("event: measurement\ndata: {\"namespace\":\"support\",\"deployment\":\"support-reply-prod\",\"rollout\":2,"),
                    "\(withMeasurement.debugDescription)")
            #expect(withMeasurement.contains("\"verdict\":\"Failed\""))

            // Resuming after the first event sends every later one, in order.
            let resumed = RawSocket(port: port)
            defer { resumed.close() }
            resumed.send(Self.request("Last-Event-ID: \(firstID)\r\n"))
            let replay = await resumed.receiving(until: { $0.contains("id: \(newest.id)\n") }, seconds: 30)
            // "\r\n" (chunked framing) is one Character in Swift: split on scalars.
            let ids = replay.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").compactMap { $0.hasPrefix("id: ") ? Int64($0.dropFirst(4)) : nil }
            #expect(ids == after.map(\.id), "\(ids) vs \(after.map(\.id)): \(replay.debugDescription)")

            let bad = try await client.get("/api/v1/events/stream?since=abc")
            #expect(bad.status == .badRequest, "\(bad.text)")
        }
        // The server stopped although `live` still listened: a stream ends on graceful shutdown.
        #expect(ContinuousClock.now - began < .seconds(120))
        let rest = await try #require(kept.socket).receiving(until: { _ in false }, seconds: 2)
        #expect(rest.hasSuffix("0\r\n\r\n") || rest.isEmpty, "the stream ended with its last chunk: \(rest.debugDescription)")
        kept.socket?.close()
    }
}

extension EventStreamTests {
    @Test("streams are bounded per process: one over the limit ends at once and asks the client to retry later")
    func boundedStreams() async throws {
        let served = try ServedStore(Manifests.repository())
        try await TestServer(served).run { client in
            let port = try #require(client.port)
            var open: [RawSocket] = []
            defer { for s in open { s.close() } }
            for _ in 0..<ServingAPIStreamLimit.value {
                let s = RawSocket(port: port)
                open.append(s)
                s.send(Self.request())
                let head = await s.receiving(until: { $0.contains("retry: 2000") }, seconds: 30)
                #expect(head.contains("retry: 2000"))
            }
            let extra = RawSocket(port: port)
            open.append(extra)
            extra.send(Self.request())
            let refused = await extra.receiving(until: { $0.contains("0\r\n\r\n") }, seconds: 30)
            #expect(refused.contains("event streams are open; try again later") && refused.contains("retry: 30000"), "\(refused)")
        }
    }
}

/// A socket kept open past the server's run.
final class KeptSocket: @unchecked Sendable {
    var socket: RawSocket?
}

extension RawSocket {
    /// ``receive(until:seconds:)`` on a thread of its own: a blocking read on Swift's
    /// cooperative pool (two threads here) would stall every other test of the run.
    func receiving(until done: @escaping @Sendable (String) -> Bool, seconds: Int) async -> String {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.receive(until: done, seconds: seconds)) }.start()
        }
    }

    /// Reads until `done` holds for what arrived, or `seconds` pass (blocking).
    func receive(until done: (String) -> Bool, seconds: Int) -> String {
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let deadline = ContinuousClock.now + .seconds(seconds)
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { break }
            if n > 0 { out += buffer[0..<n] }
            if done(String(decoding: out, as: UTF8.self)) { break }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
