import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// Hummingbird's HTTP/1.1 connection with ``ServingFastPath`` added after its
/// connection-state handler (idle timeout, graceful close), so that handler still sees every
/// request while `resolve` is answered on the event loop. Everything else is `HTTP1Channel`.
struct ServingChannel: HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let base: HTTP1Channel
    /// The fast path's answers; nil leaves the connection exactly as Hummingbird builds it.
    let fastPath: FastAnswers?

    var responder: Responder { base.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            guard let fastPath else { return value }
            let operations = channel.pipeline.syncOperations
            let state = try operations.context(handlerType: HTTPConnectionStateHandler.self)
            try operations.addHandler(ServingFastPath(answers: fastPath), position: .after(state.handler))
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
