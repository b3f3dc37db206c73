import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdTesting
import PromptOpsServer
import Testing

@Suite("Request edges: whole oversized bodies, unknown methods, encoded paths, media types")
struct RequestEdgeTests {
    static let render = "/api/v1/namespaces/support/deployments/tagline-web/render"

    /// Writes the whole request (headers and body) before reading a byte, as Python's urllib
    /// and curl without `Expect` do, then reads the answer. Runs on a thread of its own.
    static func sendWholeThenRead(port: Int, path: String, body: Int) async -> String {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let socket = RawSocket(port: port)
                var timeout = timeval(tv_sec: 20, tv_usec: 0)
                setsockopt(socket.fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                var request = Array("POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: \(body)\r\n\r\n".utf8)
                request += [UInt8](repeating: UInt8(ascii: "a"), count: body)
                var sent = 0
                while sent < request.count {
                    let n = request[sent...].withUnsafeBytes { Glibc.send(socket.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if n <= 0 { break }
                    sent += n
                }
                // A loaded machine may take a while to read and discard 20 MB.
                let answer = socket.receive(seconds: 30)
                socket.close()
                continuation.resume(returning: sent == request.count ? answer : "sent only \(sent) of \(request.count) bytes; answer: \(answer)")
            }
        }
    }

    @Test("a client that writes a 20 MB body whole before reading gets the 413 (not a broken pipe)")
    func wholeOversizedBodyGets413() async throws {
        let server = TestServer(try ServedStore(Manifests.repository()))
        try await server.run { client in
            let port = try #require(client.port)
            let answer = await Self.sendWholeThenRead(port: port, path: Self.render, body: 20 << 20)
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(300))")
            #expect(answer.contains("\"body_too_large\""))
            // The webhook route reads its body the same way.
            let hook = await Self.sendWholeThenRead(port: port, path: "/api/v1/webhooks/any", body: 2 << 20)
            #expect(hook.hasPrefix("HTTP/1.1 404") || hook.hasPrefix("HTTP/1.1 413"), "\(hook.prefix(200))")
            // The server still answers others, on a new connection (the test client's own
            // connection can be gone after the long send on a loaded machine: that is the
            // client's matter, not the server's).
            let health = await Self.getOnNewConnection(port: port, path: "/healthz")
            #expect(health.hasPrefix("HTTP/1.1 200"), "\(health.prefix(200))")
        }
    }

    /// A GET on a connection of its own, read until the server closes it.
    static func getOnNewConnection(port: Int, path: String) async -> String {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let socket = RawSocket(port: port)
                let sent = socket.send("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                let answer = sent ? socket.receive(seconds: 30) : "not sent"
                socket.close()
                continuation.resume(returning: answer)
            }
        }
    }

    @Test("methods no route registers (QUERY, PROPFIND) on a known path are 405 with Allow; on an unknown path 404")
    func unregisteredMethodsAre405() async throws {
        let server = TestServer(try ServedStore(Manifests.repository()))
        try await server.run { client in
            for method in ["QUERY", "PROPFIND", "MKCOL"] {
                let m = try #require(HTTPRequest.Method(method))
                let status = try await client.execute(uri: "/api/v1/status", method: m)
                #expect(status.status == .methodNotAllowed, "\(method)")
                #expect(status.headers[.allow] == "GET")
                let render = try await client.execute(uri: Self.render, method: m)
                #expect(render.headers[.allow] == "POST", "\(method)")
                let nowhere = try await client.execute(uri: "/api/v1/nowhere", method: m)
                #expect(nowhere.status == .notFound)
            }
        }
    }

    @Test("path parameters are percent-decoded like query parameters")
    func encodedPathParameters() async throws {
        let server = TestServer(try ServedStore(Manifests.repository()))
        try await server.run { client in
            #expect(try await client.get("/api/v1/namespaces/su%70port/templates/support%2Dreply").status == .ok)
            #expect(try await client.get("/api/v1/namespaces/support/deployments/tagline%2dweb/resolve?key=a").status == .ok)
            let odd = try await client.get("/api/v1/namespaces/support/templates/%2e%2e%2f%00")
            #expect(odd.status == .notFound)
        }
    }

    @Test("render takes JSON only: another declared media type is 415")
    func renderMediaType() async throws {
        let server = TestServer(try ServedStore(Manifests.repository()))
        try await server.run { client in
            let body = ByteBuffer(string: #"{"variables":{"campaign":"Fall"}}"#)
            for (type, status) in [("text/plain", HTTPResponse.Status.unsupportedMediaType), ("application/x-www-form-urlencoded", .unsupportedMediaType),
                                   ("application/json; charset=utf-8", .ok), ("application/vnd.api+json", .ok)] {
                let r = try await client.execute(uri: Self.render, method: .post, headers: [.contentType: type], body: body)
                #expect(r.status == status, "\(type)")
            }
            let none = try await client.execute(uri: Self.render, method: .post, body: body)
            #expect(none.status == .ok, "no Content-Type: read as JSON")
        }
    }
}
