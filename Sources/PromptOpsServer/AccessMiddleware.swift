import Hummingbird

/// Authenticates every request when tokens are configured: no token or an unknown one is a
/// 401 with `WWW-Authenticate: Bearer`, counted in `promptops_access_denied_total` under the
/// scope the path needs. The probes and webhooks (signed by their sender) pass untouched.
/// What the token may do on the route is checked by the route (``ServingAPI/Requirement``).
struct AccessMiddleware: RouterMiddleware {
    typealias Context = ServingContext

    let access: AccessControl
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if Self.isPublic(path: path, method: request.method) { return try await next(request, context) }
        switch access.authenticate(request.headers[.authorization]) {
        case .open:
            return try await next(request, context)
        case .granted(let grant):
            var context = context
            context.grant = grant
            return try await next(request, context)
        case .missing:
            metrics.recordDenied(token: "", scope: Self.scope(forPath: path), status: 401)
            throw APIError.unauthorized("a bearer token is required: Authorization: Bearer TOKEN")
        case .unknown:
            metrics.recordDenied(token: "unknown", scope: Self.scope(forPath: path), status: 401)
            throw APIError.unauthorized("the bearer token is not known")
        }
    }

    /// `GET /healthz`, `GET /readyz` and webhooks need no token.
    static func isPublic(path: String, method: HTTPRequest.Method) -> Bool {
        if path == ServingAPI.Path.healthz || path == ServingAPI.Path.readyz { return method == .get || method == .head }
        return path.hasPrefix("/api/v1/webhooks/") && method == .post
    }

    /// The scope a path needs (a metric label for denied requests; the routes decide).
    static func scope(forPath path: String) -> String {
        if path == ServingAPI.Path.metrics { return "metrics" }
        if path == ServingAPI.Path.audit { return "audit" }
        if path.hasPrefix("/api/v1/namespaces/"), path.hasSuffix("/resolve") || path.hasSuffix("/render") { return "render" }
        return "read"
    }
}
