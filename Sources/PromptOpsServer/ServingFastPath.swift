import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `resolve` and `render` on the connection's event loop, without the hop to Swift's
/// cooperative pool and back that every routed request takes.
///
/// Why hand-written: `hack/bench/http --only serving` (release, 2 cores, wrk -c50) measured
/// resolve through the router at 0.33× nginx answering the same bytes (render 0.42× resolve),
/// and a `perf` profile put most of a request in the async bridge (task switches,
/// `NIOAsyncChannel`'s writer and its locks), not in the answer. The answer is a lookup in
/// the serving snapshot and either a buffer that is already encoded (resolve) or a render of
/// a compiled version bounded by the render limits, so it needs none of that.
///
/// It answers only the plain success (``FastAnswers``), and renders on the loop with a small
/// step budget (``FastAnswers/loopRenderLimits``). Everything else — 401, 403, 404, 400,
/// 422, `HEAD`, chunked bodies, `Connection: close`, a version not compiled yet — goes down
/// the pipeline to the router, which answers it exactly as before: a request is passed on at
/// its head when that already shows it is not plain, and a render whose body turns out not to
/// be plain is replayed whole (head, body, end) at its end. Nothing is answered here while an
/// earlier request of the connection is still with the router, so answers keep the order of
/// requests. The handler sits after Hummingbird's connection-state handler, so idle timeouts
/// and graceful shutdown see every request.
final class ServingFastPath: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The request being read, when this handler may answer it.
    private enum Reading {
        case none
        case resolve(ByteBuffer)
        case render(FastAnswers.RenderCall, head: HTTPRequest, body: ByteBuffer?)
        /// A request handed to the router before its end: the rest of it goes there too.
        case replayed
    }

    private let answers: FastAnswers
    /// Requests passed to the router whose answer's end has not been written yet.
    private var pending = 0
    /// Whether a request passed to the router asked to close the connection: nothing after it
    /// is answered here (the router answers nothing after it either).
    private var closing = false
    /// Answers written here since the last read burst ended.
    private var answeredInBurst = 0
    /// The most answers written here per read burst; the rest of a longer pipelined burst
    /// goes to the router, whose writer waits for the client to read (back-pressure) and
    /// whose work runs off the event loop.
    static let maximumAnswersPerBurst = 32
    private var reading = Reading.none
    /// Whether an answer was written since the last flush.
    private var needsFlush = false
    /// The `Date` header, as the router's answers carry it.
    private var date = HTTPDate()

    init(answers: FastAnswers) {
        self.answers = answers
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            // Only while the router holds nothing of this connection (answers keep the order
            // of requests), the client reads what it is sent (an unread socket buffer means
            // back-pressure, which only the router's writer applies), and the burst is short.
            if pending == 0, !closing, context.channel.isWritable, answeredInBurst < Self.maximumAnswersPerBurst {
                switch answers.route(head) {
                case .resolve(let body)?: reading = .resolve(body); return
                case .render(let call)?: reading = .render(call, head: head, body: nil); return
                case nil: break
                }
            }
            pending += 1
            if let connection = head.headerFields[.connection], connection.lowercased().contains("close") { closing = true }
            context.fireChannelRead(data)
        case .body(let part):
            switch reading {
            case .none:
                context.fireChannelRead(data)
            case .resolve:
                break  // A GET's body is read and dropped, as the router does.
            case .render(let call, let head, var body):
                // The head declared a length within the body limit and the decoder stops there;
                // checked again all the same. (`reading` is cleared first so the buffer is
                // uniquely held and appended in place.)
                reading = .none
                if body == nil { body = part } else { var part = part; body!.writeBuffer(&part) }
                if body!.readableBytes > answers.maxBodyBytes {
                    replay(context, head: head, body: body)
                } else {
                    reading = .render(call, head: head, body: body)
                }
            case .replayed:
                context.fireChannelRead(data)
            }
        case .end:
            switch reading {
            case .none, .replayed:
                reading = .none
                context.fireChannelRead(data)
            case .resolve(let body):
                reading = .none
                answers.recordResolve()
                answer(context, body)
            case .render(let call, let head, let body):
                reading = .none
                if let call = answers.current(call), let answer = answers.render(call, body: body ?? ByteBuffer()) {
                    self.answer(context, ByteBuffer(bytes: answer))
                } else {
                    // Not the plain success: the router answers it from the same bytes.
                    replay(context, head: head, body: body)
                    reading = .none
                    context.fireChannelRead(data)
                }
            }
        }
    }

    /// Hands a request read so far to the router: its head and body now, the rest as it comes.
    private func replay(_ context: ChannelHandlerContext, head: HTTPRequest, body: ByteBuffer?) {
        pending += 1
        reading = .replayed
        context.fireChannelRead(wrapInboundOut(.head(head)))
        if let body { context.fireChannelRead(wrapInboundOut(.body(body))) }
    }

    private func answer(_ context: ChannelHandlerContext, _ body: ByteBuffer) {
        answeredInBurst += 1
        let head = HTTPResponse(status: .ok, headerFields: [
            .contentType: "application/json; charset=utf-8", .contentLength: String(body.readableBytes), .date: date.now(),
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
        needsFlush = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        answeredInBurst = 0
        // Pipelined requests read in one go are answered with one flush.
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // (Never below 0: on a parse error Hummingbird answers a request it never got from here.)
        if case .end = unwrapOutboundIn(data) { pending = max(0, pending - 1) }
        context.write(data, promise: promise)
    }
}
