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
/// It answers only the plain success (``FastAnswers``). Everything else — 401, 403, 404, 400,
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
    }

    private let answers: FastAnswers
    /// Requests passed to the router whose answer's end has not been written yet.
    private var pending = 0
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
            if pending == 0 {
                switch answers.route(head) {
                case .resolve(let body)?: reading = .resolve(body); return
                case .render(let call)?: reading = .render(call, head: head, body: nil); return
                case nil: break
                }
            }
            pending += 1
            context.fireChannelRead(data)
        case .body(let part):
            switch reading {
            case .none:
                context.fireChannelRead(data)
            case .resolve:
                break  // A GET's body is read and dropped, as the router does.
            case .render(let call, let head, var body):
                // Bounded: the head declared a length within the body limit.
                reading = .none
                if body == nil { body = part } else { var part = part; body!.writeBuffer(&part) }
                reading = .render(call, head: head, body: body)
            }
        case .end:
            switch reading {
            case .none:
                context.fireChannelRead(data)
            case .resolve(let body):
                reading = .none
                answer(context, body)
            case .render(let call, let head, let body):
                reading = .none
                if let answer = answers.render(call, body: body ?? ByteBuffer()) {
                    self.answer(context, answer)
                } else {
                    // Not the plain success: the router answers it from the same bytes.
                    pending += 1
                    context.fireChannelRead(wrapInboundOut(.head(head)))
                    if let body { context.fireChannelRead(wrapInboundOut(.body(body))) }
                    context.fireChannelRead(data)
                }
            }
        }
    }

    private func answer(_ context: ChannelHandlerContext, _ body: ByteBuffer) {
        let head = HTTPResponse(status: .ok, headerFields: [
            .contentType: "application/json; charset=utf-8", .contentLength: String(body.readableBytes), .date: date.now(),
        ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
        needsFlush = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // Pipelined requests read in one go are answered with one flush.
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { pending -= 1 }
        context.write(data, promise: promise)
    }
}
