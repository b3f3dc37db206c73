import Foundation
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import Hummingbird
import HummingbirdTesting
import PromptOpsServer
import Testing

@Suite("Probes, metrics and error answers")
struct ProbeRouteTests {
    @Test("healthz answers ok while the process runs, even before the first sync")
    func healthz() async throws {
        let server = TestServer(try ServedStore(), ready: false)
        try await server.run { client in
            let response = try await client.get("/healthz")
            #expect(response.status == .ok)
            #expect(response.text == "ok\n")
        }
    }

    @Test("readyz is 503 with a JSON error until a sync pass succeeded, then 200")
    func readinessFlip() async throws {
        let server = TestServer(try ServedStore(Manifests.repository()), ready: false)
        try await server.run { client in
            let before = try await client.get("/readyz")
            #expect(before.status == .serviceUnavailable)
            #expect(before.errorCode == "not_ready")
            #expect(before.errorMessage.contains("sync"))
            server.readiness.markFailed(source: "default")
            let failed = try await client.get("/readyz")
            #expect(failed.status == .serviceUnavailable && failed.errorMessage.contains("failing: source 'default'"), "\(failed.text)")
            server.readiness.markSynced()
            let after = try await client.get("/readyz")
            #expect(after.status == .ok)
            server.readiness.setStoreOpen(false)
            #expect(try await client.get("/readyz").status == .serviceUnavailable)
        }
    }

    @Test("a store failure is a 500 with a generic message and a request id, never the store's own words")
    func internalErrorsAreGeneric() async throws {
        let served = try ServedStore(Manifests.repository())
        // Break the store behind its back: the deployments table is gone.
        let queue = try DatabaseQueue(path: served.directory.appendingPathComponent("serving.sqlite").path)
        try await queue.write { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "DROP TABLE deployment")
        }
        try await TestServer(served).run { client in
            let response = try await client.get("/api/v1/namespaces/support/deployments")
            #expect(response.status == .internalServerError)
            #expect(response.errorCode == "store_error")
            let id = try #require(response.headers[.init("X-Request-Id")!])
            #expect(id.count == 16 && response.errorMessage == "the serving store failed (request id \(id))", "\(response.text)")
            #expect(!response.text.contains("deployment\"") && !response.text.lowercased().contains("no such table") && !response.text.contains("SQL"))
        }
    }

    @Test("a client trickling its request head (slowloris) is cut off at the idle timeout; others are answered meanwhile")
    func slowHeadersAreCutOff() async throws {
        var server = TestServer(try ServedStore(Manifests.repository()))
        server.idleTimeout = .seconds(1)
        try await server.run { client in
            let port = try #require(client.port)
            let started = ContinuousClock.now
            // 50 connections, each sending half a request head and then one byte every 200 ms.
            let sockets = (0..<50).map { _ in RawSocket(port: port) }
            for s in sockets { s.send("GET /healthz HTTP/1.1\r\nHost: x\r\n") }
            var closed = Set<Int>()
            var answered = 0
            var lastAnswer = ""
            // Until every slow connection is closed and a probe was answered: on a loaded machine
            // the first probe may still be connecting when the last slow connection goes.
            while closed.count < sockets.count || answered == 0, ContinuousClock.now - started < .seconds(30) {
                // Meanwhile a well-behaved client, on a connection of its own, is answered.
                // Blocking socket calls run on a thread of their own: the server's handlers run on
                // Swift's cooperative pool, which a blocked test thread would starve.
                lastAnswer = await withCheckedContinuation { continuation in
                    Thread.detachNewThread {
                        let probe = RawSocket(port: port)
                        probe.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                        let answer = probe.receive()
                        probe.close()
                        continuation.resume(returning: answer)
                    }
                }
                if lastAnswer.hasPrefix("HTTP/1.1 200") { answered += 1 }
                for (i, s) in sockets.enumerated() where !closed.contains(i) {
                    if !s.send("X") || s.peerClosed() { closed.insert(i) }
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            let elapsed = ContinuousClock.now - started
            #expect(closed.count == sockets.count, "\(closed.count) of \(sockets.count) slow connections closed after \(elapsed)")
            #expect(answered > 0, "last answer: \(lastAnswer.prefix(200))")
            for s in sockets { s.close() }
        }
    }

    @Test("unknown routes are 404 JSON; other methods on a known path are 405 with Allow")
    func routingErrors() async throws {
        let server = TestServer(try ServedStore(Manifests.repository()))
        try await server.run { client in
            let missing = try await client.get("/api/v1/nope")
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "not_found")
            #expect(missing.headers[.contentType]?.hasPrefix("application/json") == true)

            let paths: [(String, HTTPRequest.Method)] = [
                ("/api/v1/namespaces/support/templates", .delete),
                ("/api/v1/namespaces/support/templates/support-reply", .put),
                ("/api/v1/namespaces/support/deployments/support-reply-prod/render", .get),
                ("/api/v1/namespaces/support/deployments/support-reply-prod/resolve", .post),
                ("/api/v1/status", .patch),
                ("/healthz", .delete),
                ("/metrics", .post),
            ]
            for (path, method) in paths {
                let response = try await client.execute(uri: path, method: method)
                #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                #expect(response.errorCode == "method_not_allowed", "\(method) \(path)")
            }
            let render = try await client.execute(uri: "/api/v1/namespaces/support/deployments/support-reply-prod/render", method: .get)
            #expect(render.headers[.allow] == "POST")
        }
    }

    @Test("metrics is Prometheus text with every series, requests counted by route pattern")
    func metricsExposition() async throws {
        let server = TestServer(try ServedStore(Manifests.repository()))
        server.metrics.recordSync(success: true, duration: .milliseconds(120), at: Date(timeIntervalSince1970: 1_800_000_000))
        server.metrics.recordSync(success: false, duration: .seconds(2), at: Date(timeIntervalSince1970: 1_800_000_060))
        try await server.run { client in
            _ = try await client.get("/api/v1/namespaces/support/deployments/support-reply-prod/resolve?key=a")
            _ = try await client.get("/api/v1/namespaces/support/deployments/tagline-web/resolve?key=b")
            _ = try await client.get("/api/v1/namespaces/support/deployments/nope/resolve")
            _ = try await client.post("/api/v1/namespaces/support/deployments/tagline-web/render", json: #"{"variables":{"campaign":"Fall"}}"#)
            _ = try await client.get("/no/such/path")
            let response = try await client.get("/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            let resolve = "/api/v1/namespaces/{ns}/deployments/{name}/resolve"
            for line in [
                "# TYPE promptops_sync_total counter", "promptops_sync_total 2", "promptops_sync_failures_total 1",
                "# TYPE promptops_last_successful_sync_timestamp_seconds gauge",
                "promptops_last_successful_sync_timestamp_seconds 1800000000",
                "# TYPE promptops_sync_duration_seconds histogram", "promptops_sync_duration_seconds_count 2",
                "promptops_sync_duration_seconds_bucket{le=\"+Inf\"} 2",
                "# TYPE promptops_http_requests_total counter",
                "promptops_http_requests_total{route=\"\(resolve)\",method=\"GET\",status=\"200\"} 2",
                "promptops_http_requests_total{route=\"\(resolve)\",method=\"GET\",status=\"404\"} 1",
                "promptops_http_requests_total{route=\"/api/v1/namespaces/{ns}/deployments/{name}/render\",method=\"POST\",status=\"200\"} 1",
                "promptops_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1",
                "# TYPE promptops_render_duration_seconds histogram",
                "promptops_render_duration_seconds_bucket{le=\"1e-05\"}",
                "promptops_render_duration_seconds_bucket{le=\"+Inf\"} 1", "promptops_render_duration_seconds_count 1",
            ] {
                #expect(text.contains(line), "missing: \(line)")
            }
        }
        // The /metrics request itself is counted once its answer is known.
        #expect(server.metrics.requestCount(route: "/metrics", method: "GET", status: 200) == 1)
    }
}

/// A blocking TCP client socket for protocol-level tests.
final class RawSocket: @unchecked Sendable {
    // Used by one task at a time.
    let fd: Int32

    init(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Sends `text`; false once the peer has closed.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } >= 0
    }

    /// Whether the peer closed the connection (a read returns end of file without waiting).
    func peerClosed() -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_DONTWAIT))
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Reads until the peer closes or `seconds` pass without a byte.
    func receive(seconds: Int = 5) -> String {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    func close() { Glibc.close(fd) }
}
