import HummingbirdCore
import Logging
import NIOCore

/// Answers plain `resolve` and `render` requests from the connection's bytes, in front of
/// NIO's HTTP decoder, while a connection sends nothing else.
///
/// Why hand-written: with ``ServingFastPath`` answering on the event loop, resolve still cost
/// 37–42 µs of CPU per request against nginx's 15 µs answering the same bytes (CPU ticks of
/// the server's threads over a `wrk -c50` run, same machine, same run), and a `perf` profile
/// put most of our user time in the decoder (llhttp's callbacks building `HTTPHeaders`), the
/// conversion to and from `HTTPTypes`, and the response encoder: a request's fields built
/// into three representations for an answer whose bytes already exist.
///
/// What it answers is exactly what ``ServingFastPath`` answers (``FastAnswers``), with the
/// same bytes. The first request of a connection that is not plain (``WireRequestHead``), or
/// whose answer is not the plain success, and everything after it, goes unchanged down the
/// pipeline: the decoder, ``ServingFastPath`` and the router take the connection from there
/// for the rest of its life, exactly as without this handler. A connection is handed over
/// too when its client stops reading (the router's writer applies back-pressure), pipelines
/// more than ``maximumAnswersPerRead`` requests in one read, or sends one request in more than
/// ``maximumReadsPerRequest`` pieces (a head is read again from its start at each piece; NIO's
/// decoder reads incrementally). A POST is handed over at its head when the head alone shows
/// it is not a plain render (a webhook's body is never buffered here).
///
/// It sits first in the pipeline: the server speaks plain HTTP (a TLS handler would have to
/// come before it).
///
/// While it answers, Hummingbird's connection-state handler is out of the pipeline (it would
/// see no request and close a busy connection as idle), so this handler keeps its rules: a
/// connection without a complete request head (or, while a body arrives, without its bytes)
/// for the idle timeout is closed, and a graceful shutdown closes it between requests. The state handler is put back when the connection is
/// handed over.
final class WireServingPath: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let answers: FastAnswers
    private let idleTimeout: TimeAmount
    /// The head limits: the server's, or the reader's own when lower.
    private let maximumHeadBytes: Int
    private let maximumFields: Int
    /// Puts Hummingbird's connection-state handler back when the connection is handed over.
    private let restoreStateHandler: (ChannelHandlerContext) -> Bool
    /// Whether requests are still read here.
    private var answering = true
    /// The start of a request whose bytes have not all arrived.
    private var partial: ByteBuffer?
    private var answeredInRead = 0
    /// Reads that brought pieces of the request at the start of ``partial``.
    private var readsOfPartial = 0
    private var needsFlush = false
    private var lastActive = NIODeadline.now()
    private var idleTask: Scheduled<Void>?
    private var date = HTTPDate()

    /// The most answers written here per read; a client pipelining more is handed over.
    static let maximumAnswersPerRead = 32
    /// The most reads one request may arrive in before the connection is handed over.
    static let maximumReadsPerRequest = 32

    init(answers: FastAnswers, idleTimeout: TimeAmount, maximumHeadBytes: Int, maximumFields: Int,
         restoreStateHandler: @escaping (ChannelHandlerContext) -> Bool) {
        self.answers = answers
        self.idleTimeout = idleTimeout
        self.maximumHeadBytes = min(maximumHeadBytes, WireRequestHead.maximumBytes)
        self.maximumFields = min(maximumFields, WireRequestHead.maximumFields)
        self.restoreStateHandler = restoreStateHandler
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { scheduleIdleCheck(context, at: .now() + idleTimeout) }
    }

    func channelActive(context: ChannelHandlerContext) {
        lastActive = .now()
        scheduleIdleCheck(context, at: lastActive + idleTimeout)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleTask?.cancel()
        idleTask = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTask?.cancel()
        idleTask = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard answering else { return context.fireChannelRead(data) }
        var bytes = unwrapInboundIn(data)
        if var earlier = partial {
            partial = nil
            earlier.writeBuffer(&bytes)
            bytes = earlier
        }
        while bytes.readableBytes > 0 {
            let parsed = bytes.withUnsafeReadableBytes {
                WireRequestHead.parse($0, maximumBytes: maximumHeadBytes, maximumFields: maximumFields)
            }
            switch parsed {
            case .incomplete:
                return keepPartial(context, bytes)
            case .other:
                return handOver(context, rest: bytes)
            case .plain(let head):
                // A complete head, or body bytes of one, keep the connection active.
                lastActive = .now()
                let length = head.length + (head.contentLength ?? 0)
                guard bytes.readableBytes >= length else {
                    // A body still arriving: only a render's (its route is checked again when
                    // the body is complete: the snapshot may move meanwhile).
                    guard route(head) != nil else { return handOver(context, rest: bytes) }
                    return keepPartial(context, bytes)
                }
                guard answeredInRead < Self.maximumAnswersPerRead, context.channel.isWritable,
                      let answer = answer(head, body: bytes.getSlice(at: bytes.readerIndex + head.length, length: length - head.length))
                else { return handOver(context, rest: bytes) }
                write(context, answer)
                answers.answeredOnWire?()
                bytes.moveReaderIndex(forwardBy: length)
                readsOfPartial = 0
            }
        }
        readsOfPartial = 0
    }

    /// Keeps the start of a request until more of it arrives.
    private func keepPartial(_ context: ChannelHandlerContext, _ bytes: ByteBuffer) {
        readsOfPartial += 1
        guard readsOfPartial <= Self.maximumReadsPerRequest else { return handOver(context, rest: bytes) }
        partial = bytes
    }

    private func route(_ head: WireRequestHead) -> FastAnswers.Route? {
        answers.route(method: head.method, target: head.target, authorization: head.authorization,
                      contentType: head.contentType, contentLength: head.contentLength)
    }

    /// The answer's body when the request is answered here.
    private func answer(_ head: WireRequestHead, body: ByteBuffer?) -> Body? {
        switch route(head) {
        case .resolve(let body)?:
            answers.recordResolve()
            return .buffer(body)
        case .render(let call)?:
            // Routed just now, with its whole body: the entry it holds is current.
            return answers.render(call, body: body ?? ByteBuffer()).map(Body.bytes)
        case nil:
            return nil
        }
    }

    private enum Body {
        case buffer(ByteBuffer)
        case bytes([UInt8])

        var count: Int {
            switch self {
            case .buffer(let buffer): buffer.readableBytes
            case .bytes(let bytes): bytes.count
            }
        }
    }

    private static let statusAndType = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ".utf8)

    /// The same head ``ServingFastPath`` and the router send (status, `Content-Type`,
    /// `Content-Length`, `Date`), and the body, in one buffer.
    private func write(_ context: ChannelHandlerContext, _ body: Body) {
        answeredInRead += 1
        let date = date.now()
        var out = context.channel.allocator.buffer(capacity: Self.statusAndType.count + 64 + body.count)
        out.writeBytes(Self.statusAndType)
        Self.writeDecimal(body.count, to: &out)
        out.writeStaticString("\r\nDate: ")
        out.writeString(date)
        out.writeStaticString("\r\n\r\n")
        switch body {
        case .buffer(var buffer): out.writeBuffer(&buffer)
        case .bytes(let bytes): out.writeBytes(bytes)
        }
        context.write(wrapOutboundOut(out), promise: nil)
        needsFlush = true
    }

    /// `value` (not negative) in decimal, without making a `String` of it.
    static func writeDecimal(_ value: Int, to out: inout ByteBuffer) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { room in
            var rest = value, start = room.count
            repeat {
                start -= 1
                room[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            out.writeBytes(UnsafeRawBufferPointer(rebasing: room[start...]))
        }
    }

    /// From `rest` on, the connection's bytes go down the pipeline, now and for good.
    private func handOver(_ context: ChannelHandlerContext, rest: ByteBuffer?) {
        answering = false
        partial = nil
        idleTask?.cancel()
        idleTask = nil
        guard restoreStateHandler(context) else {
            // Without its state handler the connection would have no idle timeout or graceful
            // close: closed instead (never expected: adding a handler fails only when closed).
            return flushAndClose(context)
        }
        if let rest, rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        answeredInRead = 0
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        // Still answering: no byte of this read went down the pipeline (a hand-over clears
        // `answering` before it passes bytes on), so the handlers after this one have no read
        // to complete. Passing the event through them anyway (the decoder, the encoder, the
        // fast path, the async channel's handler: each a call and a few retains) was ~4 % of
        // the server's CPU under `render` at 1,000 connections (`perf`, release build).
        guard !answering else { return }
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if answering {
            switch event {
            case is ChannelShouldQuiesceEvent:
                // Between requests: close now. In the middle of one: the state handler decides
                // (it closes after that request's answer), as without this handler.
                if let rest = partial {
                    partial = nil
                    handOver(context, rest: rest)
                } else {
                    flushAndClose(context)
                    return
                }
            case ChannelEvent.inputClosed:
                // The client sent all it will; what is left of a request is the router's to judge.
                if let rest = partial {
                    partial = nil
                    handOver(context, rest: rest)
                }
            default:
                break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func flushAndClose(_ context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.close(promise: nil)
    }

    /// Hummingbird's idle rule: no complete request for the idle timeout closes the connection.
    private func scheduleIdleCheck(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        guard idleTask == nil else { return }
        idleTask = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: deadline) { [self] in
            idleTask = nil
            guard answering, context.channel.isActive else { return }
            let due = lastActive + idleTimeout
            if NIODeadline.now() >= due {
                flushAndClose(context)
            } else {
                scheduleIdleCheck(context, at: due)
            }
        }
    }
}
