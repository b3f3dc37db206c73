import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import Hummingbird
import HummingbirdTesting
import PromptOpsCore
@testable import PromptOpsServer
import Testing

/// `resolve` and `render` answered on the event loop (`ServingFastPath`): the same bytes as
/// the router for every request, the router for everything that is not the plain success,
/// answers in the order of pipelined requests, and the connection's idle timer sees every
/// request.
@Suite("Resolve and render on the event loop: same answers as the router")
struct ServingFastPathTests {
    static let base = "/api/v1/namespaces/support/deployments"

    /// The test store with a canary at 40 % on `support-reply-prod` (a rollout step's write).
    static func canaryStore() async throws -> ServedStore {
        let served = try ServedStore(Manifests.repository())
        try served.apply(Manifests.repository(greeting: "G2"), revision: ServedStore.revision(2))
        try await served.writeCanaryRow(version: 1, weight: 40)
        return served
    }

    /// Tokens of three callers: render in `support`, read-only in `support`, render in `billing`.
    static func tokens() -> (render: (String, ControllerConfig.APIToken), read: (String, ControllerConfig.APIToken),
                             other: (String, ControllerConfig.APIToken)) {
        (AccessRouteTests.token("app", ["support"], [.render]), AccessRouteTests.token("reader", ["support"], [.read]),
         AccessRouteTests.token("billing-app", ["billing"], [.render]))
    }

    /// One answer, reduced to what a client sees (status, media type, length, body).
    struct Seen: Equatable, CustomStringConvertible {
        var status: Int
        var contentType: String?
        var contentLength: String?
        /// The header names, in order (`Date`'s value changes each second).
        var headerNames: [String]
        var body: String
        var description: String { "\(status) \(headerNames) \(contentType ?? "-") \(contentLength ?? "-") \(body.prefix(160))" }
    }

    static func seen(_ r: TestResponse) -> Seen {
        // Error answers name a random request id only when logged (500s); none here.
        Seen(status: Int(r.status.code), contentType: r.headers[.contentType], contentLength: r.headers[.contentLength],
             headerNames: r.headers.map(\.name.canonicalName), body: r.text)
    }

    @Test("every request answers exactly as through the router, and the plain ones never reach it")
    func sameAnswersAsTheRouter() async throws {
        let served = try await Self.canaryStore()
        let ((renderSecret, renderer), (readSecret, reader), (otherSecret, other)) = Self.tokens()
        let reply = Self.base + "/support-reply-prod/resolve"
        let tagline = Self.base + "/tagline-web/resolve"
        // (uri, token, answered on the event loop)
        var cases: [(String, String?, Bool)] = []
        for key in ["a", "customer-7", "customer-8", "", "x.y_z~1"] {
            cases.append(("\(reply)?key=\(key)", renderSecret, true))
        }
        for i in 0..<40 { cases.append(("\(reply)?key=k\(i)", renderSecret, true)) }
        cases += [
            ("\(reply)?other=1&key=k3", renderSecret, true),
            ("\(tagline)", renderSecret, true),
            ("\(tagline)?key", renderSecret, true),
            ("\(reply)?key=a%62", renderSecret, false),
            ("\(reply)?key=a+b", renderSecret, false),
            ("\(reply)?key=a&key=b", renderSecret, false),
            ("\(tagline)?k%65y=q", renderSecret, true),
            ("\(tagline)?key=a", nil, false),
            ("\(tagline)?key=a", "not-a-token", false),
            ("\(tagline)?key=a", readSecret, false),
            ("\(tagline)?key=a", otherSecret, false),
            (Self.base + "/nowhere/resolve?key=a", renderSecret, false),
            ("/api/v1/namespaces/elsewhere/deployments/tagline-web/resolve", renderSecret, false),
            ("/api/v1/namespaces/%73upport/deployments/tagline-web/resolve", renderSecret, false),
            (tagline + "/", renderSecret, false),
            ("/api/v1/namespaces//deployments/tagline-web/resolve", renderSecret, false),
            (Self.base + "/tagline-web/resolvex", renderSecret, false),
        ]
        let all = cases
        var answers: [[Seen]] = []
        var onLoop: [[Bool]] = []
        for fast in [true, false] {
            var server = TestServer(served)
            server.fastPath = fast
            server.access = AccessControl(tokens: [renderer, reader, other])
            try server.snapshot.refresh()
            let counter = server.fastAnswers
            let (seen, fastFlags) = try await server.run { client in
                var seen: [Seen] = [], flags: [Bool] = []
                for (uri, token, _) in all {
                    let before = counter.value
                    seen.append(Self.seen(try await client.get(uri, token: token)))
                    flags.append(counter.value == before + 1)
                }
                // HEAD goes to the router either way.
                let before = counter.value
                seen.append(Self.seen(try await client.execute(uri: tagline, method: .head, headers: [.authorization: "Bearer \(renderSecret)"])))
                flags.append(counter.value == before + 1)
                return (seen, flags)
            }
            answers.append(seen)
            onLoop.append(fastFlags)
        }
        for (index, (uri, token, fast)) in cases.enumerated() {
            #expect(answers[0][index] == answers[1][index], "\(uri) token \(token == nil ? "none" : "set"): \(answers[0][index]) vs \(answers[1][index])")
            #expect(onLoop[0][index] == fast, "\(uri): answered on the event loop \(onLoop[0][index]), expected \(fast)")
        }
        #expect(answers[0].last == answers[1].last, "HEAD")
        #expect(onLoop[0].last == false, "HEAD")
        #expect(!onLoop[1].contains(true), "the path off: nothing on the event loop")
        // Both variants were served, by the router's own split.
        let variants = Set(answers[0].compactMap { $0.body.contains("\"variant\":\"canary\"") ? "canary" : ($0.body.contains("\"variant\":\"stable\"") ? "stable" : nil) })
        #expect(variants == ["canary", "stable"])
        #expect(answers[0].contains { $0.status == 401 } && answers[0].contains { $0.status == 403 } && answers[0].contains { $0.status == 404 })
    }

    @Test("every render answers exactly as through the router; only plain successes stay on the event loop")
    func renderSameAnswersAsTheRouter() async throws {
        let served = try await Self.canaryStore()
        let ((renderSecret, renderer), (readSecret, reader), (otherSecret, other)) = Self.tokens()
        let reply = Self.base + "/support-reply-prod/render"
        let tagline = Self.base + "/tagline-web/render"
        let json = "application/json"
        let ticket = #""customer_name":"Ana","ticket":"where is my order?""#
        // (uri, content type, body, token, answered on the event loop)
        var cases: [(String, String?, String, String?, Bool)] = [
            (tagline, json, #"{"variables":{"campaign":"spring"}}"#, renderSecret, true),
            (tagline, "application/json; charset=utf-8", #"{"variables":{"campaign":"<b>&\"x","playful":true}}"#, renderSecret, true),
            (tagline, json, #"{"variables":{}}"#, renderSecret, false),
            (tagline, json, "", renderSecret, false),
            (tagline, json, "{", renderSecret, false),
            (tagline, json, #"{"variables":{"campaign":"s"},"extra":1}"#, renderSecret, false),
            (tagline, json, #"{"variables":{"campaign":7}}"#, renderSecret, false),
            (tagline, "text/plain", #"{"variables":{"campaign":"s"}}"#, renderSecret, false),
            (tagline, nil, #"{"variables":{"campaign":"s"}}"#, renderSecret, false),
            (tagline, json, #"{"variables":{"campaign":"s"}}"#, nil, false),
            (tagline, json, #"{"variables":{"campaign":"s"}}"#, readSecret, false),
            (tagline, json, #"{"variables":{"campaign":"s"}}"#, otherSecret, false),
            (tagline, "application/json", #"{"variables":{"campaign":"s"}}"#, "not-a-token", false),
            // Over the event loop's output budget (256 KiB), within the configured 1 MiB: the
            // router renders it (replayed), 200.
            (tagline, json, #"{"variables":{"campaign":"\#(String(repeating: "x", count: 300 << 10))"}}"#, renderSecret, false),
            // Over the body limit (400 KiB): 413 from the router.
            (tagline, json, #"{"variables":{"campaign":"\#(String(repeating: "x", count: 420 << 10))"}}"#, renderSecret, false),
            (Self.base + "/nowhere/render", json, #"{"variables":{}}"#, renderSecret, false),
            (reply, json, #"{"key":"a","variables":{\#(ticket)}}"#, renderSecret, true),
            (reply, json, #"{"key":"a","variables":{\#(ticket),"customer_name":"a name far longer than twenty"}}"#, renderSecret, false),
        ]
        for i in 0..<30 { cases.append((reply, json, #"{"key":"k\#(i)","variables":{\#(ticket),"order_count":\#(i)}}"#, renderSecret, true)) }
        let all = cases
        var answers: [[Seen]] = []
        var onLoop: [[Bool]] = []
        for fast in [true, false] {
            var server = TestServer(served)
            server.fastPath = fast
            server.maxBodyBytes = 400 << 10
            server.access = AccessControl(tokens: [renderer, reader, other])
            try server.snapshot.refresh()
            let counter = server.fastAnswers
            let (seen, fastFlags) = try await server.run { client in
                var seen: [Seen] = [], flags: [Bool] = []
                for (uri, type, body, token, _) in all {
                    var headers: HTTPFields = [:]
                    if let type { headers[.contentType] = type }
                    if let token { headers[.authorization] = "Bearer \(token)" }
                    let before = counter.value
                    seen.append(Self.seen(try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))))
                    flags.append(counter.value == before + 1)
                }
                return (seen, flags)
            }
            answers.append(seen)
            onLoop.append(fastFlags)
        }
        for (index, (uri, _, body, _, fast)) in cases.enumerated() {
            #expect(answers[0][index] == answers[1][index], "\(uri) \(body.prefix(80)): \(answers[0][index]) vs \(answers[1][index])")
            #expect(onLoop[0][index] == fast, "\(uri) \(body.prefix(80)): answered on the event loop \(onLoop[0][index]), expected \(fast)")
        }
        #expect(!onLoop[1].contains(true))
        #expect(Set(answers[0].map(\.status)) == [200, 400, 401, 403, 404, 413, 415])
        #expect(answers[0].contains { $0.body.contains("\"variant\":\"canary\"") } && answers[0].contains { $0.body.contains("\"variant\":\"stable\"") })
    }

    @Test("pipelined requests mixing both paths are answered in order")
    func pipelinedAnswersKeepTheirOrder() async throws {
        let server = TestServer(try await Self.canaryStore())
        try server.snapshot.refresh()
        let reply = Self.base + "/support-reply-prod/resolve"
        let render = Self.base + "/tagline-web/render"
        let renderBody = #"{"variables":{"campaign":"spring"}}"#
        let requests: [(String, Int, String)] = [
            ("GET \(reply)?key=a HTTP/1.1\r\nHost: x\r\n\r\n", 200, "\"template\":\"support-reply\""),
            ("POST \(render) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(renderBody.utf8.count)\r\n\r\n\(renderBody)", 200, "Tagline for spring."),
            ("POST \(render) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", 400, "invalid_variables"),
            ("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 200, "ok"),
            ("GET \(reply)?key=b HTTP/1.1\r\nHost: x\r\n\r\n", 200, "\"template\":\"support-reply\""),
            ("GET \(Self.base)/nowhere/resolve HTTP/1.1\r\nHost: x\r\n\r\n", 404, "deployment_not_found"),
            ("GET \(Self.base)/tagline-web/resolve HTTP/1.1\r\nHost: x\r\n\r\n", 200, "\"template\":\"tagline\""),
            ("POST \(render) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(renderBody.utf8.count)\r\n\r\n\(renderBody)", 200, "Tagline for spring."),
            ("GET \(reply)?key=c HTTP/1.1\r\nHost: x\r\n\r\n", 200, "\"template\":\"support-reply\""),
            ("GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n", 200, "\"sources\""),
            ("GET \(Self.base)/tagline-web/resolve HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200, "\"template\":\"tagline\""),
        ]
        let answers = try await server.run { client in
            let port = try #require(client.port)
            return await Self.onThread {
                let socket = RawSocket(port: port)
                defer { socket.close() }
                socket.send(requests.map(\.0).joined())
                return socket.receive(seconds: 10)
            }
        }
        let parts = answers.components(separatedBy: "HTTP/1.1 ").dropFirst()
        #expect(parts.count == requests.count, "\(answers.prefix(400))")
        for (part, request) in zip(parts, requests) {
            #expect(part.hasPrefix("\(request.1) "), "\(request.0.prefix(60)) → \(part.prefix(80))")
            #expect(part.contains(request.2), "\(request.0.prefix(60)) → \(part.prefix(300))")
        }
        // The first resolve and render are answered on the event loop; the failing render is
        // replayed to the router, and while the router holds a request of the connection the
        // rest of the batch waits its turn there.
        #expect(server.fastAnswers.value >= 2)
    }

    @Test("a render body arriving in pieces is answered whole; a burst of 3,000 pipelined resolves, unread for a while, is answered in order")
    func piecewiseBodiesAndLongBursts() async throws {
        let server = TestServer(try await Self.canaryStore())
        try server.snapshot.refresh()
        let render = Self.base + "/tagline-web/render"
        let body = #"{"variables":{"campaign":"spring","playful":true}}"#
        let burst = 3000
        let (piecewise, answers) = try await server.run { client in
            let port = try #require(client.port)
            return await Self.onThread {
                let first = RawSocket(port: port)
                defer { first.close() }
                let bytes = Array(body.utf8)
                first.send("POST \(render) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(bytes.count)\r\n\r\n")
                for piece in stride(from: 0, to: bytes.count, by: 7) {
                    usleep(20_000)
                    first.send(String(decoding: bytes[piece..<min(piece + 7, bytes.count)], as: UTF8.self))
                }
                let piecewise = first.receiveOne(seconds: 5)
                let second = RawSocket(port: port)
                defer { second.close() }
                var requests = ""
                for i in 0..<burst {
                    requests += "GET \(Self.base)/support-reply-prod/resolve?key=k\(i) HTTP/1.1\r\nHost: x\r\n\r\n"
                }
                requests += "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                second.send(requests)
                usleep(500_000)
                // Thirty seconds without a byte before giving up: CI runs suites side by side on two cores.
                return (piecewise, second.receive(seconds: 30))
            }
        }
        #expect(piecewise.hasPrefix("HTTP/1.1 200") && piecewise.contains("Tagline for spring. Puns welcome."), "\(piecewise.prefix(300))")
        let parts = answers.components(separatedBy: "HTTP/1.1 ").dropFirst()
        #expect(parts.count == burst + 1)
        // Each answer is the one of its key: the router's split, in request order.
        let entry = try #require(server.snapshot.currentEntry(namespace: "support", name: "support-reply-prod"))
        var mismatches = 0
        for (i, part) in parts.prefix(burst).enumerated() {
            let expected = String(buffer: entry.serving(key: "k\(i)").resolveBody)
            if !part.hasPrefix("200 ") || !part.hasSuffix(expected) { mismatches += 1 }
        }
        #expect(mismatches == 0)
        #expect(parts.last?.hasSuffix("ok\n") == true)
        // The piecewise render was answered on the loop; of the burst, no more than 32 per
        // read, the rest by the router.
        #expect(server.fastAnswers.value >= 1 && server.fastAnswers.value < burst)
    }

    @Test("a connection busy with event-loop answers is not closed as idle; an idle one still is")
    func idleTimerSeesEveryRequest() async throws {
        var server = TestServer(try await Self.canaryStore())
        server.idleTimeout = .seconds(1)
        try server.snapshot.refresh()
        let request = "GET \(Self.base)/tagline-web/resolve HTTP/1.1\r\nHost: x\r\n\r\n"
        let (answered, closedWhenIdle) = try await server.run { client in
            let port = try #require(client.port)
            return await Self.onThread {
                let socket = RawSocket(port: port)
                defer { socket.close() }
                var answered = 0
                // 2.4 s of requests, 0.3 s apart: past the 1 s idle timeout twice over.
                for _ in 0..<8 {
                    guard socket.send(request) else { break }
                    if socket.receiveOne(seconds: 3).hasPrefix("HTTP/1.1 200") { answered += 1 }
                    usleep(300_000)
                }
                usleep(2_500_000)
                return (answered, socket.peerClosed())
            }
        }
        #expect(answered == 8)
        #expect(closedWhenIdle)
        #expect(server.fastAnswers.value == 8)
    }

    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }
}

@Suite("HTTP Date header")
struct HTTPDateTests {
    @Test("IMF-fixdate, as Foundation formats it")
    func format() {
        #expect(HTTPDate.format(0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(1_796_210_017) == "Wed, 02 Dec 2026 11:13:37 GMT")
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        for seconds in stride(from: 0, to: 4_000_000_000, by: 86_399_917) {
            #expect(HTTPDate.format(seconds) == formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds))))
        }
    }
}

@Suite("Served target parsing")
struct ServedTargetTests {
    @Test("paths and queries", arguments: [
        ("/api/v1/namespaces/a/deployments/b/resolve", ServedTarget?.some(.init(namespace: "a", name: "b", key: .plain(nil)))),
        ("/api/v1/namespaces/a/deployments/b/resolve?key=k", .some(.init(namespace: "a", name: "b", key: .plain("k")))),
        ("/api/v1/namespaces/a/deployments/b/resolve?key=", .some(.init(namespace: "a", name: "b", key: .plain("")))),
        ("/api/v1/namespaces/a/deployments/b/resolve?x=1&&key=k&y", .some(.init(namespace: "a", name: "b", key: .plain("k")))),
        ("/api/v1/namespaces/a/deployments/b/resolve?key", .some(.init(namespace: "a", name: "b", key: .needsRouter))),
        ("/api/v1/namespaces/a/deployments/b/resolve?key=a&key=b", .some(.init(namespace: "a", name: "b", key: .needsRouter))),
        ("/api/v1/namespaces/a/deployments/b/resolve?key=a%20", .some(.init(namespace: "a", name: "b", key: .needsRouter))),
        ("/api/v1/namespaces/a/deployments/b/resolve?ke%79=a", .some(.init(namespace: "a", name: "b", key: .needsRouter))),
        ("/api/v1/namespaces/a/deployments/b/resolve/", nil),
        ("/api/v1/namespaces/a/deployments/b/render", .some(.init(namespace: "a", name: "b", action: .render, key: .plain(nil)))),
        ("/api/v1/namespaces/a/deployments/b/renderx", nil),
        ("/api/v1/namespaces/a/deployments/b/resolv", nil),
        ("/api/v1/namespaces/a/deployments//resolve", nil),
        ("/api/v1/namespaces//deployments/b/resolve", nil),
        ("/api/v1/namespaces/a%2D/deployments/b/resolve", nil),
        ("/api/v1/namespaces/a/deployments/b", nil),
        ("/api/v1/namespaces/a/x/deployments/b/resolve", nil),
        ("/api/v1/namespaces/a/deployments/b/c/resolve", nil),
        ("", nil),
        ("?", nil),
        ("/api/v1/namespaces/a/deployments/b/resolve?key=a#x", nil),
        ("/api/v1/namespaces/a/deployments/b/resolve#x", nil),
    ])
    func parses(path: String, expected: ServedTarget?) {
        #expect(ServedTarget(path: path) == expected, "\(path)")
    }
}

extension RawSocket {
    /// Reads one HTTP answer (head, then `Content-Length` bytes of body).
    func receiveOne(seconds: Int) -> String {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let text = String(decoding: out, as: UTF8.self)
            if let split = text.range(of: "\r\n\r\n") {
                let head = text[..<split.lowerBound].lowercased()
                let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if out.count - text[..<split.upperBound].utf8.count >= length { return text }
            }
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return text }
            out += buffer[0..<n]
        }
    }
}

@Suite("JSON media types")
struct JSONMediaTypeTests {
    @Test("application/json and +json types, parameters and case allowed", arguments: [
        ("application/json", true), ("Application/JSON", true), ("application/json; charset=utf-8", true),
        (" application/json ;charset=utf-8", true), ("application/vnd.api+json", true), ("application/merge-patch+JSON", true),
        ("application/+json", false), ("application/jsonx", false), ("text/json", false), ("application/xml", false),
        ("", false), (";", false), ("application/", false), ("json", false),
    ])
    func isJSON(type: String, expected: Bool) {
        #expect(ServingAPI.isJSON(type) == expected, "\(type)")
    }
}
