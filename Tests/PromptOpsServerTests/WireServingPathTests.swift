import Foundation
import NIOCore
import NIOEmbedded
#if canImport(Glibc)
import Glibc
#endif
import PromptOpsCore
@testable import PromptOpsServer
import Testing

/// `resolve` and `render` answered from the connection's bytes (`WireServingPath`): the same
/// bytes as the router, a connection handed over for good at its first request that is not
/// plain, and the idle and shutdown rules kept while it answers.
@Suite("Resolve and render from the connection's bytes")
struct WireServingPathTests {
    static let base = ServingFastPathTests.base
    static let renderBody = #"{"variables":{"campaign":"spring"}}"#
    static func resolve(_ key: String) -> String { "GET \(base)/support-reply-prod/resolve?key=\(key) HTTP/1.1\r\nHost: x\r\n\r\n" }
    static let render = "POST \(base)/tagline-web/render HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + "Content-Length: \(renderBody.utf8.count)\r\n\r\n\(renderBody)"

    /// An answer with its `Date` value blanked (it changes each second).
    static func masked(_ answer: String) -> String {
        answer.replacingOccurrences(of: #"(?m)^(Date|date): [^\r]*"#, with: "Date: -", options: .regularExpression)
    }

    @Test("the bytes of each answer are the router's, the Date's value aside")
    func sameBytes() async throws {
        let requests = [Self.resolve("a"), Self.resolve("customer-8"), Self.render, Self.resolve("z")]
        var answers: [[String]] = []
        var onWire: [Int] = []
        for fast in [true, false] {
            var server = TestServer(try await ServingFastPathTests.canaryStore())
            server.fastPath = fast
            try server.snapshot.refresh()
            answers.append(try await server.run { client in
                let port = try #require(client.port)
                return await ServingFastPathTests.onThread {
                    let socket = RawSocket(port: port)
                    defer { socket.close() }
                    return requests.map { request in
                        socket.send(request)
                        return Self.masked(socket.receiveOne(seconds: 5))
                    }
                }
            })
            onWire.append(server.wireAnswers.value)
        }
        #expect(answers[0] == answers[1])
        #expect(answers[0].allSatisfy { $0.hasPrefix("HTTP/1.1 200 OK\r\n") }, "\(answers[0])")
        #expect(onWire == [requests.count, 0])
    }

    @Test("a connection is answered from its bytes until its first request that is not plain, and by the pipeline from there on")
    func handOverForGood() async throws {
        let server = TestServer(try await ServingFastPathTests.canaryStore())
        try server.snapshot.refresh()
        let (first, second, third) = try await server.run { client in
            let port = try #require(client.port)
            return await ServingFastPathTests.onThread {
                let socket = RawSocket(port: port)
                defer { socket.close() }
                // A generous wait: /healthz goes through the router, whose tasks share Swift's
                // cooperative pool (2 threads here) with other suites' blocking test helpers
                // (waits for git and other children); twice a full run saw it take over 5 s.
                func ask(_ requests: [String]) -> [String] {
                    requests.map { socket.send($0); return socket.receiveOne(seconds: 30) }
                }
                let first = ask((0..<20).map { Self.resolve("k\($0)") } + [Self.render, Self.render])
                let wireBefore = server.wireAnswers.value, fastBefore = server.fastAnswers.value
                let second = ask(["GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"])
                let third = ask([Self.resolve("k1"), Self.render, Self.resolve("k2")])
                return (first, second, (third, server.wireAnswers.value - wireBefore, server.fastAnswers.value - fastBefore))
            }
        }
        #expect(first.count == 22 && first.allSatisfy { $0.hasPrefix("HTTP/1.1 200 OK") })
        #expect(second.first?.hasPrefix("HTTP/1.1 200") == true && second.first?.hasSuffix("ok\n") == true, "\(second)")
        #expect(third.0.allSatisfy { $0.hasPrefix("HTTP/1.1 200 OK") })
        // The first 22 on the wire; after /healthz the event loop's HTTP-level path answers the
        // plain ones (the fast-answer count includes both).
        #expect(server.wireAnswers.value == 22)
        #expect(third.1 == 0 && third.2 == 3)
    }

    @Test("requests arriving in pieces of every size are answered as when sent whole")
    func piecesAnswerAsWhole() async throws {
        let requests = [Self.resolve("a"), Self.render, Self.resolve("customer-8"), Self.render, Self.resolve("z")]
        let server = TestServer(try await ServingFastPathTests.canaryStore())
        try server.snapshot.refresh()
        let (whole, pieces) = try await server.run { client in
            let port = try #require(client.port)
            return await ServingFastPathTests.onThread {
                func answers(piece: Int?) -> [String] {
                    let socket = RawSocket(port: port)
                    defer { socket.close() }
                    return requests.map { request in
                        let bytes = Array(request.utf8)
                        for start in stride(from: 0, to: bytes.count, by: piece ?? bytes.count) {
                            socket.send(String(decoding: bytes[start..<min(start + (piece ?? bytes.count), bytes.count)], as: UTF8.self))
                            if piece != nil { usleep(2_000) }
                        }
                        return Self.masked(socket.receiveOne(seconds: 5))
                    }
                }
                return (answers(piece: nil), [1, 7, 40, 100].map { answers(piece: $0) })
            }
        }
        #expect(whole.allSatisfy { $0.hasPrefix("HTTP/1.1 200 OK\r\n") }, "\(whole)")
        for (index, answers) in pieces.enumerated() {
            #expect(answers == whole, "pieces #\(index)")
        }
    }

    @Test("a render body arriving slowly keeps its connection open past the idle timeout")
    func slowBodyIsNotIdle() async throws {
        var server = TestServer(try await ServingFastPathTests.canaryStore())
        server.idleTimeout = .seconds(1)
        try server.snapshot.refresh()
        let wireAnswers = server.wireAnswers
        let (answer, wire) = try await server.run { client in
            let port = try #require(client.port)
            return await ServingFastPathTests.onThread {
                let socket = RawSocket(port: port)
                defer { socket.close() }
                let body = Array(Self.renderBody.utf8)
                socket.send("POST \(Self.base)/tagline-web/render HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(body.count)\r\n\r\n")
                // 8 pieces, 0.3 s apart: 2.4 s, past the 1 s idle timeout twice over.
                let step = (body.count + 7) / 8
                for start in stride(from: 0, to: body.count, by: step) {
                    usleep(300_000)
                    socket.send(String(decoding: body[start..<min(start + step, body.count)], as: UTF8.self))
                }
                return (socket.receiveOne(seconds: 5), wireAnswers.value)
            }
        }
        #expect(answer.hasPrefix("HTTP/1.1 200 OK") && answer.contains("Tagline for spring."), "\(answer.prefix(200))")
        #expect(wire == 1)
    }

    @Test("a graceful shutdown closes a connection waiting between requests at once, and one in the middle of a head")
    func shutdownClosesWaitingConnections() async throws {
        var server = TestServer(try await ServingFastPathTests.canaryStore())
        server.idleTimeout = .seconds(120)
        try server.snapshot.refresh()
        let started = ContinuousClock.now
        let sockets = try await server.run { client in
            let port = try #require(client.port)
            return await ServingFastPathTests.onThread {
                let waiting = RawSocket(port: port)
                waiting.send(Self.resolve("a"))
                let answered = waiting.receiveOne(seconds: 5).hasPrefix("HTTP/1.1 200")
                let halfway = RawSocket(port: port)
                halfway.send(Self.resolve("b"))
                _ = halfway.receiveOne(seconds: 5)
                halfway.send("GET \(Self.base)/support-reply-prod/resolve HTTP/1.1\r\nHo")
                usleep(100_000)
                return (waiting, halfway, answered)
            }
        }
        // `run` returned: the server stopped, without waiting out the 120 s idle timeout.
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(sockets.2)
        #expect(sockets.0.peerClosed() && sockets.1.peerClosed())
        sockets.0.close()
        sockets.1.close()
    }

    /// Counts the inbound events that reach the handlers after the wire path.
    final class EventCounter: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var reads = 0
        var readCompletes = 0
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { reads += 1 }
        func channelReadComplete(context: ChannelHandlerContext) { readCompletes += 1 }
    }

    @Test("while it answers, the handlers after it see neither reads nor read completions; after a hand-over they see both")
    func readCompletionsStayWhileAnswering() async throws {
        let server = TestServer(try await ServingFastPathTests.canaryStore())
        try server.snapshot.refresh()
        let answers = FastAnswers(snapshot: server.snapshot, access: AccessControl(), metrics: ServerMetrics(),
                                  maxBodyBytes: 1 << 20, renderLimits: .standard)
        let wire = WireServingPath(answers: answers, idleTimeout: .seconds(30), maximumHeadBytes: 8192, maximumFields: 100) { _ in true }
        let counter = EventCounter()
        let channel = EmbeddedChannel(handlers: [wire, counter])
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).get()
        func send(_ text: String) throws -> String {
            try channel.writeInbound(ByteBuffer(string: text))
            var answer = ""
            while let part = try channel.readOutbound(as: ByteBuffer.self) { answer += String(buffer: part) }
            return answer
        }
        #expect(try send(Self.resolve("a")).hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(try send(Self.render).hasPrefix("HTTP/1.1 200 OK\r\n"))
        // Half a head: kept here, nothing passed on.
        #expect(try send("GET \(Self.base)/support-reply-prod/resolve HTTP/1.1\r\nHo").isEmpty)
        #expect(counter.reads == 0 && counter.readCompletes == 0)
        // The rest of that head, then a request that is not plain: handed over with both events.
        #expect(try send("st: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(counter.reads == 1 && counter.readCompletes == 1)
        _ = try send(Self.resolve("b"))
        #expect(counter.reads == 2 && counter.readCompletes == 2)
        _ = try? channel.finish()
    }
}
