import Hummingbird
import Logging
import PromptOpsStore

/// The read-only HTTP API: its dependencies and its route table. Handlers live in
/// `ServingAPI+Feature.swift` files; every path is registered with its one method, and every
/// other method on a known path answers 405 with `Allow`.
struct ServingAPI: Sendable {
    typealias Context = BasicRequestContext
    typealias Handler = @Sendable (Request, Context) async throws -> Response

    let configuration: ServerConfiguration
    let store: ServingStore
    let snapshot: ServingSnapshot
    let metrics: ServerMetrics
    let readiness: Readiness
    let webhooks: WebhookEndpoints

    /// Methods answered 405 on a known path (every other method is unknown to HTTP/1.1
    /// parsers and to clients alike).
    static let knownMethods: [HTTPRequest.Method] = [.get, .head, .post, .put, .delete, .patch, .options, .trace]

    /// The route patterns, exactly as in the HTTP contract.
    enum Path {
        static let healthz = "/healthz"
        static let readyz = "/readyz"
        static let metrics = "/metrics"
        static let status = "/api/v1/status"
        static let templates = "/api/v1/namespaces/{ns}/templates"
        static let template = "/api/v1/namespaces/{ns}/templates/{name}"
        static let templateVersion = "/api/v1/namespaces/{ns}/templates/{name}/versions/{version}"
        static let deployments = "/api/v1/namespaces/{ns}/deployments"
        static let deployment = "/api/v1/namespaces/{ns}/deployments/{name}"
        static let resolve = "/api/v1/namespaces/{ns}/deployments/{name}/resolve"
        static let render = "/api/v1/namespaces/{ns}/deployments/{name}/render"
        static let events = "/api/v1/events"
        static let audit = "/api/v1/audit"
        static let webhook = "/api/v1/webhooks/{source}"
    }

    /// Builds the router: the accounting middleware first (it wraps every route, the
    /// not-found answer included), then each route.
    func router(logger: Logger) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: ResponseAccountingMiddleware(metrics: metrics, logger: logger))
        route(router, Path.healthz, .get) { _, _ in .text("ok\n") }
        route(router, Path.readyz, .get, readyz)
        route(router, Path.metrics, .get, metricsText)
        route(router, Path.status, .get, status)
        route(router, Path.templates, .get, templates)
        route(router, Path.template, .get, template)
        route(router, Path.templateVersion, .get, templateVersion)
        route(router, Path.deployments, .get, deployments)
        route(router, Path.deployment, .get, deployment)
        route(router, Path.resolve, .get, resolve)
        route(router, Path.render, .post, render)
        route(router, Path.events, .get, events)
        route(router, Path.audit, .get, audit)
        route(router, Path.webhook, .post, webhook)
        return router
    }

    /// Registers `handler` for `method` on `path`, and a 405 for every other known method.
    private func route(_ router: Router<Context>, _ path: String, _ method: HTTPRequest.Method, _ handler: @escaping Handler) {
        router.on(RouterPath(path), method: method) { request, context in try await handler(request, context) }
        for other in Self.knownMethods where other != method {
            router.on(RouterPath(path), method: other) { request, _ -> Response in
                throw APIError.methodNotAllowed(request.method, path: request.uri.path, allowed: [method])
            }
        }
    }
}

extension BasicRequestContext {
    /// A path parameter the route pattern guarantees.
    func pathParameter(_ name: String) -> String {
        parameters.get(name) ?? ""
    }
}
