import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// Hummingbird's HTTP/1.1 connection with the event loop's answers to `resolve` and `render`:
/// ``WireServingPath`` in front of the HTTP decoder, and ``ServingFastPath`` after the
/// connection-state handler (idle timeout, graceful close) for a connection the wire path has
/// handed over. Everything else is `HTTP1Channel`.
struct ServingChannel: HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let base: HTTP1Channel
    /// The fast path's answers; nil leaves the connection exactly as Hummingbird builds it.
    let fastPath: FastAnswers?
    /// The connection's idle timeout (Hummingbird's, kept by the wire path while it answers).
    let idleTimeout: Duration
    /// The decoder's head limits, which the wire path keeps too.
    let maximumHeadBytes: Int
    let maximumFields: Int

    var responder: Responder { base.responder }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger).flatMapThrowing { value in
            guard let fastPath else { return value }
            let operations = channel.pipeline.syncOperations
            let state = try operations.context(handlerType: HTTPConnectionStateHandler.self)
            let httpPath = ServingFastPath(answers: fastPath)
            try operations.addHandler(httpPath, position: .after(state.handler))
            // The wire path keeps the idle and shutdown rules while it answers; the state
            // handler comes back, in its place, when the connection is handed over.
            _ = operations.removeHandler(context: state)
            let idle = idleTimeout.components
            let timeout = TimeAmount.nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000)
            let wire = WireServingPath(answers: fastPath, idleTimeout: timeout, maximumHeadBytes: maximumHeadBytes,
                                       maximumFields: maximumFields) { context in
                let restored = HTTPConnectionStateHandler(idleTimeout: idleTimeout, logger: logger)
                return (try? context.pipeline.syncOperations.addHandler(restored, position: .before(httpPath))) != nil
            }
            // First: the server speaks plain HTTP (a TLS handler would have to come before it).
            try operations.addHandler(wire, position: .first)
            return value
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
