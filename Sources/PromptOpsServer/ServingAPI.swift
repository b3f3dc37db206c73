import Hummingbird
import Logging
import PromptOpsCore
import PromptOpsStore

/// The read-only HTTP API: its dependencies and its route table. Handlers live in
/// `ServingAPI+Feature.swift` files; every path is registered with its one method, and every
/// other method on a known path answers 405 with `Allow`.
struct ServingAPI: Sendable {
    typealias Context = ServingContext
    typealias Handler = @Sendable (Request, Context) async throws -> Response

    let configuration: ServerConfiguration
    let store: ServingStore
    let snapshot: ServingSnapshot
    let metrics: ServerMetrics
    let readiness: Readiness
    let webhooks: WebhookEndpoints
    let access: AccessControl

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
        static let measurements = "/api/v1/namespaces/{ns}/deployments/{name}/measurements"
        static let events = "/api/v1/events"
        static let eventStream = "/api/v1/events/stream"
        static let audit = "/api/v1/audit"
        static let webhook = "/api/v1/webhooks/{source}"

        /// Every pattern with its one method, for answering 405 to methods no route registers.
        static let all: [(pattern: String, method: HTTPRequest.Method)] = [
            (healthz, .get), (readyz, .get), (metrics, .get), (status, .get), (templates, .get), (template, .get),
            (templateVersion, .get), (deployments, .get), (deployment, .get), (resolve, .get), (render, .post),
            (measurements, .get), (events, .get), (eventStream, .get), (audit, .get), (webhook, .post),
            (UIPath.overview, .get), (UIPath.namespace, .get), (UIPath.deployment, .get), (UIPath.template, .get),
            (UIPath.events, .get), (UIPath.audit, .get), (UIPath.logout, .post),
        ]

        /// The method allowed on `path`, when a route pattern matches it (`{x}` matches one
        /// segment).
        static func allowedMethod(for path: String) -> HTTPRequest.Method? {
            let segments = path.split(separator: "/", omittingEmptySubsequences: false)
            return all.first { route in
                let pattern = route.pattern.split(separator: "/", omittingEmptySubsequences: false)
                return pattern.count == segments.count
                    && zip(pattern, segments).allSatisfy { p, s in p.hasPrefix("{") ? !s.isEmpty : p == s }
            }?.method
        }
    }

    /// Builds the router: the accounting middleware first (it wraps every route, the
    /// not-found answer included), then each route.
    func router(logger: Logger) -> Router<Context> {
        let router = Router(context: Context.self)
        // Outermost, so the span covers the whole answer; headers are not recorded (tokens).
        // The resolve key may name a customer: it stays out of the span's url.query.
        if configuration.tracing { router.add(middleware: TracingMiddleware(redactingQueryParameters: ["key"])) }
        router.add(middleware: ResponseAccountingMiddleware(metrics: metrics, logger: logger))
        router.add(middleware: AccessMiddleware(access: access, metrics: metrics))
        route(router, Path.healthz, .get, .none) { _, _ in .text("ok\n") }
        route(router, Path.readyz, .get, .none, readyz)
        route(router, Path.metrics, .get, .scope(.metrics), metricsText)
        route(router, Path.status, .get, .scope(.read), status)
        route(router, Path.templates, .get, .namespaced(.read), templates)
        route(router, Path.template, .get, .namespaced(.read), template)
        route(router, Path.templateVersion, .get, .namespaced(.read), templateVersion)
        route(router, Path.deployments, .get, .namespaced(.read), deployments)
        route(router, Path.deployment, .get, .namespaced(.read), deployment)
        route(router, Path.resolve, .get, .namespaced(.render), resolve)
        route(router, Path.render, .post, .namespaced(.render), render)
        route(router, Path.measurements, .get, .namespaced(.read), measurements)
        route(router, Path.events, .get, .scope(.read), events)
        route(router, Path.eventStream, .get, .scope(.read), eventStream)
        route(router, Path.audit, .get, .scope(.audit), audit)
        route(router, Path.webhook, .post, .none, webhook)
        dashboardRoutes(router)
        return router
    }

    /// What a route needs from the caller's token (see controller-config.md, "API access").
    enum Requirement {
        /// Nothing: probes, and webhooks (authenticated by their signature).
        case none
        /// A scope, for routes that name no namespace.
        case scope(ControllerConfig.APIToken.Scope)
        /// A scope in the path's namespace. A namespace outside the token answers exactly as
        /// one that does not exist (404), before the scope is looked at.
        case namespaced(ControllerConfig.APIToken.Scope)
    }

    /// Checks `requirement` against the caller's token (set by ``AccessMiddleware``; nil when
    /// the endpoint is open) and returns the context the handler runs with.
    func authorize(_ requirement: Requirement, _ context: Context) throws -> Context {
        guard let grant = context.grant else { return context }
        var context = context
        switch requirement {
        case .none:
            break
        case .scope(let scope):
            try require(scope, grant)
        case .namespaced(let scope):
            if grant.sees(context.pathParameter("ns")) {
                try require(scope, grant)
            } else {
                context.hidesNamespace = true
            }
        }
        return context
    }

    private func require(_ scope: ControllerConfig.APIToken.Scope, _ grant: AccessGrant) throws {
        guard grant.scopes.contains(scope) else {
            metrics.recordDenied(token: grant.name, scope: scope.rawValue, status: 403)
            throw APIError.forbidden("token '\(grant.name)' does not have the '\(scope.rawValue)' scope")
        }
    }

    /// Registers `handler` for `method` on `path`, and a 405 for every other known method.
    private func route(_ router: Router<Context>, _ path: String, _ method: HTTPRequest.Method, _ requirement: Requirement,
                       _ handler: @escaping Handler) {
        router.on(RouterPath(path), method: method) { request, context in
            try await handler(request, try authorize(requirement, context))
        }
        for other in Self.knownMethods where other != method {
            router.on(RouterPath(path), method: other) { request, _ -> Response in
                throw APIError.methodNotAllowed(request.method, path: request.uri.path, allowed: [method])
            }
        }
    }
}

