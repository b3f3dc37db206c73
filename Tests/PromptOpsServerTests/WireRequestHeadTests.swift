import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
@testable import PromptOpsServer
import Testing

/// The request heads the wire path reads itself: plain ones read exactly as NIO's decoder
/// reads them (method, target, fields, where the request ends), everything unusual left to it.
@Suite("Request heads read from the connection's bytes")
struct WireRequestHeadTests {
    static func parse(_ text: String) -> WireRequestHead.Parsed {
        Array(text.utf8).withUnsafeBytes { WireRequestHead.parse($0) }
    }

    @Test("a plain GET and POST; every shorter prefix is incomplete")
    func plain() throws {
        let get = "GET /api/v1/namespaces/a/deployments/b/resolve?key=k HTTP/1.1\r\nHost: x \r\nAuthorization: Bearer  t0k\r\n\r\n"
        let post = "POST /r HTTP/1.1\r\ncontent-TYPE:application/json\r\nContent-Length: 12\r\nConnection: Keep-Alive\r\n\r\n"
        guard case .plain(let g) = Self.parse(get) else { Issue.record("GET: \(Self.parse(get))"); return }
        #expect(g.method == .get && String(decoding: g.target, as: UTF8.self) == "/api/v1/namespaces/a/deployments/b/resolve?key=k")
        #expect(g.authorization == "Bearer  t0k" && g.contentType == nil && g.contentLength == nil && g.length == get.utf8.count)
        guard case .plain(let p) = Self.parse(post + "{\"a\":1}") else { Issue.record("POST"); return }
        #expect(p.method == .post && p.contentType == "application/json" && p.contentLength == 12 && p.length == post.utf8.count)
        for text in [get, post] {
            let bytes = Array(text.utf8)
            for end in 0..<bytes.count {
                let parsed = bytes[..<end].withUnsafeBytes { WireRequestHead.parse($0) }
                #expect(parsed == .incomplete, "\(end) bytes of \(text.debugDescription): \(parsed)")
            }
        }
    }

    @Test("anything unusual is the router's", arguments: [
        "HEAD / HTTP/1.1\r\n\r\n", "PUT / HTTP/1.1\r\n\r\n", "get / HTTP/1.1\r\n\r\n", "GET / HTTP/1.0\r\n\r\n",
        "GET /  HTTP/1.1\r\n\r\n", "GET * HTTP/1.1\r\n\r\n", "GET http://x/ HTTP/1.1\r\n\r\n", "GET /\u{e9} HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\n\n", "GET / HTTP/1.1\r\nHost: x\n\r\n", "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "GET / HTTP/1.1\r\nX: a\u{7f}\r\n\r\n", "GET / HTTP/1.1\r\nX: \u{e9}\r\n\r\n",
        "GET / HTTP/1.1\r\n: x\r\n\r\n", "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: 1234567890\r\n\r\n",
        "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", "GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\n\r\n",
        "GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n", "POST / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
        "GET / HTTP/1.1\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n", "GET / HTTP/1.1\r\nTE: trailers\r\n\r\n",
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "GET / HTTP/1.1\r\nAuthorization: Bearer t \r\n\r\n", "POST / HTTP/1.1\r\nContent-Length: 1\t\r\n\r\n",
        "GET / HTTP/1.1\r\nProxy-Connection: close\r\n\r\n", "GET / HTTP/1.1\r\nproxy-connection: keep-alive\r\n\r\n",
    ])
    func unusual(text: String) {
        #expect(Self.parse(text) == .other, "\(text.debugDescription)")
    }

    @Test("a head longer than it reads, or still arriving past it, is the router's")
    func long() {
        let filler = String(repeating: "X-Filler: \(String(repeating: "y", count: 90))\r\n", count: 100)
        #expect(Self.parse("GET / HTTP/1.1\r\n\(filler)\r\n") == .other)
        #expect(Self.parse("GET / HTTP/1.1\r\n\(filler)") == .other)
        #expect(Self.parse("GET /\(String(repeating: "a", count: 9000))") == .other)
        #expect(Self.parse("GET /\(String(repeating: "a", count: 100))") == .incomplete)
        // A field name, or value, that never ends: refused once past the limit, not buffered on.
        #expect(Self.parse("GET / HTTP/1.1\r\n\(String(repeating: "A", count: 9000))") == .other)
        #expect(Self.parse("GET / HTTP/1.1\r\nX: \(String(repeating: "A", count: 9000))") == .other)
        #expect(Self.parse("GET / HTTP/1.1\r\n\(String(repeating: "A", count: 8000))") == .incomplete)
        // The server's own lower limits hold.
        let small = Array("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n".utf8)
        #expect(small.withUnsafeBytes { WireRequestHead.parse($0, maximumBytes: 20) } == .other)
        #expect(small.withUnsafeBytes { WireRequestHead.parse($0, maximumFields: 1) } == .other)
        #expect(small.withUnsafeBytes { WireRequestHead.parse($0, maximumFields: 2) } != .other)
    }

    /// Random heads from pieces, plain and not, some of them broken.
    static func randomRequest(_ random: inout some RandomNumberGenerator) -> String {
        let methods = ["GET", "GET", "GET", "POST", "POST", "POST", "HEAD", "PUT", "get", "GET "]
        let targets = ["/api/v1/namespaces/a/deployments/b/resolve?key=k", "/r", "/a/b?c=d&e", "/%41", "//x", "/a b", "*", "/\u{e9}", "/~!$&'()*+,;=:@"]
        let versions = ["HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/1.1 ", "http/1.1"]
        let fields = [
            "Host: x", "Host: example.com:8080", "Authorization: Bearer abc", "authorization:Bearer  x", "Content-Type: application/json",
            "CONTENT-TYPE: text/plain; charset=utf-8", "Content-Length: 5", "content-length: 0", "Content-Length:  05",
            "Connection: keep-alive", "Accept-Language: en", "X-Trace: 1", "X-A:  spaced  ", "X-B:", "X-F: a\tb", "Accept: */*", "User-Agent: t/1.0", "X_H: i",
        ]
        let broken = [
            "Content-Length: 5, 5", "Transfer-Encoding: chunked", "Connection: close", " folded", "X C: y", "X-D : y", "X-E: a\u{7f}",
            "X-G: \u{e9}", "Expect: 100-continue", "authorization: Bearer x ", "Content-Length: 3 ", "Proxy-Connection: close",
            "Connection: Upgrade", String(repeating: "N", count: 9000) + ": v",
        ]
        var head = "\(methods.randomElement(using: &random)!) \(targets.randomElement(using: &random)!) \(versions.randomElement(using: &random)!)"
        let newline = Int.random(in: 0..<30, using: &random) == 0 ? "\n" : "\r\n"
        head += newline
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            let pool = Int.random(in: 0..<16, using: &random) == 0 ? broken : fields
            head += pool.randomElement(using: &random)! + (Int.random(in: 0..<40, using: &random) == 0 ? "\n" : "\r\n")
        }
        head += "\r\n"
        let declared = head.lowercased().components(separatedBy: "content-length:").dropFirst().first
            .flatMap { Int($0.prefix { !$0.isNewline }.trimmingCharacters(in: .whitespaces)) } ?? 0
        return head + String(repeating: "b", count: min(declared, 20))
    }

    @Test("plain heads read as NIO's decoder reads them: method, target, fields, and where the request ends")
    func agreesWithNIO() throws {
        var random = SeededGenerator(seed: 20261203)
        var plain = 0, other = 0
        for _ in 0..<20000 {
            let request = Self.randomRequest(&random)
            let parsed = Self.parse(request)
            guard case .plain(let head) = parsed else {
                if parsed == .other { other += 1 }
                continue
            }
            plain += 1
            // The decoder reads the request and then the next one from where this one ends.
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
            defer { _ = try? channel.finish() }
            do {
                try channel.writeInbound(ByteBuffer(string: request + "GET /next HTTP/1.1\r\n\r\n"))
            } catch {
                Issue.record("NIO refused \(request.debugDescription), read here as \(head): \(error)"); continue
            }
            guard case .head(let nio)? = try channel.readInbound(as: HTTPServerRequestPart.self) else {
                Issue.record("NIO read no head from \(request.debugDescription)"); continue
            }
            #expect(nio.method == (head.method == .get ? .GET : .POST), "\(request.debugDescription)")
            #expect(nio.uri == String(decoding: head.target, as: UTF8.self), "\(request.debugDescription)")
            #expect(nio.version == .http1_1 && nio.isKeepAlive, "\(request.debugDescription)")
            #expect(nio.headers["authorization"].first == head.authorization, "\(request.debugDescription)")
            #expect(nio.headers["content-type"].first == head.contentType, "\(request.debugDescription)")
            #expect(nio.headers["content-length"].first.flatMap(Int.init) == head.contentLength, "\(request.debugDescription)")
            var body = 0
            while case .body(let part)? = try channel.readInbound(as: HTTPServerRequestPart.self) { body += part.readableBytes }
            #expect(body == (head.contentLength ?? 0) && request.utf8.count == head.length + body, "\(request.debugDescription)")
            guard case .head(let next)? = try channel.readInbound(as: HTTPServerRequestPart.self) else {
                Issue.record("NIO read no second request after \(request.debugDescription)"); continue
            }
            #expect(next.uri == "/next")
        }
        // The generator reaches both sides.
        #expect(plain > 2000 && other > 2000, "plain \(plain), other \(other)")
    }
}
