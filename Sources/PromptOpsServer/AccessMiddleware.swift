import HTTPTypes
import Foundation
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
        // The dashboard's session cookie stands in for the header on GET and HEAD only.
        let authorization = request.headers[.authorization] ?? DashboardSession.cookieAuthorization(request)
        switch access.authenticate(authorization) {
        case .missing where Self.isDashboard(path) && request.headers[.secFetchSite] == "cross-site"
                && (request.method == .get || request.method == .head):
            // A link followed from another site (chat, mail): the browser leaves a
            // `SameSite=Strict` cookie out of that navigation only. One same-site hop to the
            // same address brings it along; without a session it then reaches the form.
            return ServingAPI.html("<!doctype html><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0\"><title>PromptOps</title><a href=\"\">Continue</a>")
        case .missing where Self.isDashboard(path) && (request.method == .get || request.method == .head),
             .unknown where Self.isDashboard(path) && (request.method == .get || request.method == .head):
            // A person in a browser: the sign-in form, then back here. An unknown cookie (a
            // revoked token) is dropped.
            metrics.recordDenied(token: authorization == nil ? "" : "unknown", scope: Self.scope(forPath: path), status: 401)
            var next = path
            if let query = request.uri.query, !query.isEmpty { next += "?" + query }
            let target = ServingAPI.UIPath.login + "?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            return ServingAPI.redirect(to: target, headers: authorization == nil ? [] : [(.setCookie, DashboardSession.clearTokenCookie)])
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

    /// `GET /healthz`, `GET /readyz`, webhooks, and the dashboard's sign-in, sign-out, assets
    /// and root redirect need no token.
    static func isPublic(path: String, method: HTTPRequest.Method) -> Bool {
        if path == ServingAPI.Path.healthz || path == ServingAPI.Path.readyz { return method == .get || method == .head }
        if path == ServingAPI.UIPath.login || path == ServingAPI.UIPath.logout || path == "/" { return true }
        if path.hasPrefix("/ui/assets/") { return method == .get || method == .head }
        return path.hasPrefix("/api/v1/webhooks/") && method == .post
    }

    /// A dashboard page (answered with the sign-in form rather than a 401).
    static func isDashboard(_ path: String) -> Bool { path == "/ui" || path.hasPrefix("/ui/") }

    /// The scope a path needs (a metric label for denied requests; the routes decide).
    static func scope(forPath path: String) -> String {
        if path == ServingAPI.Path.metrics { return "metrics" }
        if path == ServingAPI.Path.audit || path == ServingAPI.UIPath.audit { return "audit" }
        if path.hasPrefix("/api/v1/namespaces/"), path.hasSuffix("/resolve") || path.hasSuffix("/render") { return "render" }
        return "read"
    }
}
