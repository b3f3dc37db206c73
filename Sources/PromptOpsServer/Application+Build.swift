import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PromptOpsStore

/// Builds the read-only HTTP endpoint. The app is built by a function so the controller and
/// the tests start the very same server (tests on port 0).
///
/// - Parameters:
///   - configuration: address and body limit.
///   - store: the serving store, read only.
///   - metrics: the registry `/metrics` renders; the controller records sync passes in it.
///   - readiness: what `/readyz` answers from; the controller marks it after the first pass.
///   - logger: where store failures and unexpected errors are logged.
///   - snapshot: the in-memory view `resolve` and `render` answer from; pass one to call
///     ``ServingSnapshot/invalidate()`` after each apply (default: a private one). Either way
///     it runs with the server and notices changes of the store within its `maxAge`.
///   - webhooks: the sources accepting push webhooks (replaced on config reload).
///   - access: the API tokens (none: open; replaced on config reload).
public func buildApplication(
    configuration: ServerConfiguration, store: ServingStore, metrics: ServerMetrics, readiness: Readiness, logger: Logger,
    snapshot: ServingSnapshot? = nil, webhooks: WebhookEndpoints = WebhookEndpoints(), access: AccessControl = AccessControl()
) -> some ApplicationProtocol {
    buildApplication(configuration: configuration, store: store, metrics: metrics, readiness: readiness, logger: logger,
                     snapshot: snapshot, webhooks: webhooks, access: access, fastPathAnswered: nil, wireAnswered: nil)
}

/// ``buildApplication(configuration:store:metrics:readiness:logger:snapshot:webhooks:access:)``
/// with test hooks called for each request the event loop answers (either way) and for each
/// it answers from the connection's bytes (``WireServingPath``).
func buildApplication(
    configuration: ServerConfiguration, store: ServingStore, metrics: ServerMetrics, readiness: Readiness, logger: Logger,
    snapshot: ServingSnapshot?, webhooks: WebhookEndpoints, access: AccessControl, fastPathAnswered: (@Sendable () -> Void)?,
    wireAnswered: (@Sendable () -> Void)?
) -> some ApplicationProtocol {
    let snapshot = snapshot ?? ServingSnapshot(store: store)
    let api = ServingAPI(configuration: configuration, store: store, snapshot: snapshot,
                         metrics: metrics, readiness: readiness, webhooks: webhooks, access: access)
    let idle = configuration.idleTimeout.components
    let decoder = HTTP1Channel.Configuration.DecoderConfiguration(
        maxHeaderFieldSize: configuration.maxHeaderBytes, maxHeaderListSize: configuration.maxHeaderBytes,
        maxHeaderFieldCount: configuration.maxHeaderFields)
    return Application(
        router: api.router(logger: logger),
        server: HTTPServerBuilder { responder in
            ServingChannel(
                base: HTTP1Channel(responder: responder, configuration: HTTP1Channel.Configuration(
                    idleTimeout: .nanoseconds(idle.seconds * 1_000_000_000 + idle.attoseconds / 1_000_000_000),
                    httpDecoderConfiguration: decoder)),
                // With tracing on, every request goes through the router (its span).
                fastPath: configuration.fastPath && !configuration.tracing
                    ? FastAnswers(snapshot: snapshot, access: access, metrics: metrics, maxBodyBytes: configuration.maxBodyBytes,
                                  renderLimits: configuration.renderLimits, answered: fastPathAnswered,
                                  answeredOnWire: wireAnswered) : nil,
                idleTimeout: configuration.idleTimeout, maximumHeadBytes: configuration.maxHeaderBytes,
                maximumFields: configuration.maxHeaderFields)
        },
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port),
            // Room for a burst of connections (1,000 clients opening at once) before the
            // kernel's own cap (somaxconn) applies.
            backlog: 4096),
        // The snapshot's watch for writes of other processes runs as long as the server.
        services: [snapshot],
        onServerRunning: { channel in
            // Accept up to 256 waiting connections per turn of the event loop (NIO's default is
            // 4): with the loop busy answering, a burst of new clients (1,000 at once) otherwise
            // waits in the backlog, their first request with them; hack/bench/http at 1,000
            // connections measured render's p99 at ~1 s with the default.
            try? await channel.setOption(ChannelOptions.maxMessagesPerRead, value: 256).get()
        },
        logger: logger.withCheapMetadata)
}
