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
/// too when its client stops reading (the router's writer applies back-pressure) or pipelines
/// more than ``maximumAnswersPerRead`` requests in one read.
///
/// While it answers, Hummingbird's connection-state handler is out of the pipeline (it would
/// see no request and close a busy connection as idle), so this handler keeps its rules: a
/// connection without a complete request for the idle timeout is closed, and a graceful
/// shutdown closes it between requests. The state handler is put back when the connection is
/// handed over.
final class WireServingPath: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let answers: FastAnswers
    private let idleTimeout: TimeAmount
    /// Puts Hummingbird's connection-state handler back when the connection is handed over.
    private let restoreStateHandler: (ChannelHandlerContext) -> Void
    /// Whether requests are still read here.
    private var answering = true
    /// The start of a request whose bytes have not all arrived.
    private var partial: ByteBuffer?
    private var answeredInRead = 0
    private var needsFlush = false
    private var lastActive = NIODeadline.now()
    private var idleTask: Scheduled<Void>?
    private var date = HTTPDate()

    /// The most answers written here per read; a client pipelining more is handed over.
    static let maximumAnswersPerRead = 32

    init(answers: FastAnswers, idleTimeout: TimeAmount, restoreStateHandler: @escaping (ChannelHandlerContext) -> Void) {
        self.answers = answers
        self.idleTimeout = idleTimeout
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
            let parsed = bytes.withUnsafeReadableBytes { WireRequestHead.parse($0) }
            switch parsed {
            case .incomplete:
                partial = bytes
                return
            case .other:
                return handOver(context, rest: bytes)
            case .plain(let head):
                let length = head.length + (head.contentLength ?? 0)
                guard bytes.readableBytes >= length else {
                    // A body still arriving (render's is at most the body limit).
                    guard head.contentLength ?? 0 <= answers.maxBodyBytes else { return handOver(context, rest: bytes) }
                    partial = bytes
                    return
                }
                guard answeredInRead < Self.maximumAnswersPerRead, context.channel.isWritable,
                      let answer = answer(head, body: bytes.getSlice(at: bytes.readerIndex + head.length, length: length - head.length))
                else { return handOver(context, rest: bytes) }
                write(context, answer)
                answers.answeredOnWire?()
                bytes.moveReaderIndex(forwardBy: length)
                lastActive = .now()
            }
        }
    }

    /// The answer's body when the request is answered here.
    private func answer(_ head: WireRequestHead, body: ByteBuffer?) -> Body? {
        switch answers.route(method: head.method, target: head.target, authorization: head.authorization,
                             contentType: head.contentType, contentLength: head.contentLength) {
        case .resolve(let body)?:
            answers.recordResolve()
            return .buffer(body)
        case .render(let call)?:
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
        out.writeString(String(body.count))
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

    /// From `rest` on, the connection's bytes go down the pipeline, now and for good.
    private func handOver(_ context: ChannelHandlerContext, rest: ByteBuffer?) {
        answering = false
        idleTask?.cancel()
        idleTask = nil
        restoreStateHandler(context)
        if let rest, rest.readableBytes > 0 { context.fireChannelRead(wrapInboundOut(rest)) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        answeredInRead = 0
        if needsFlush {
            needsFlush = false
            context.flush()
        }
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
