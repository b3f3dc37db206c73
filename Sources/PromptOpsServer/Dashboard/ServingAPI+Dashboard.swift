import HTTPTypes
import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import PromptOpsMustache

/// The read-only dashboard (contract.md, "Dashboard"): server-rendered pages under `/ui/`,
/// complete without script, on the API's own listener and access rules.
extension ServingAPI {
    enum UIPath {
        static let root = "/"
        static let overview = "/ui/"
        static let namespace = "/ui/namespaces/{ns}"
        static let deployment = "/ui/namespaces/{ns}/deployments/{name}"
        static let template = "/ui/namespaces/{ns}/templates/{name}"
        static let events = "/ui/events"
        static let audit = "/ui/audit"
        static let login = "/ui/login"
        static let logout = "/ui/logout"
        static let asset = "/ui/assets/{file}"
    }

    /// Every response of the dashboard carries these: only this origin's own files run or
    /// load (no inline script or style), nothing is sniffed, no page frames it.
    static let securityHeaders: [(HTTPField.Name, String)] = [
        (.contentSecurityPolicy, "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"),
        (.xContentTypeOptions, "nosniff"),
        (HTTPField.Name("Referrer-Policy")!, "same-origin"),
        (HTTPField.Name("X-Frame-Options")!, "DENY"),
    ]

    func dashboardRoutes(_ router: Router<Context>) {
        router.on(RouterPath(UIPath.root), method: .get) { _, _ in Self.redirect(to: UIPath.overview) }
        uiRoute(router, UIPath.overview, .scope(.read), overviewPage)
        uiRoute(router, UIPath.namespace, .namespaced(.read), namespacePage)
        uiRoute(router, UIPath.deployment, .namespaced(.read), deploymentPage)
        uiRoute(router, UIPath.template, .namespaced(.read), templatePage)
        uiRoute(router, UIPath.events, .scope(.read), eventsPage)
        uiRoute(router, UIPath.audit, .scope(.audit), auditPage)
        router.on(RouterPath(UIPath.login), method: .get) { request, context in try await loginPage(request, context) }
        router.on(RouterPath(UIPath.login), method: .post) { request, context in try await login(request, context) }
        router.on(RouterPath(UIPath.logout), method: .post) { request, context in try await logout(request, context) }
        router.on(RouterPath(UIPath.asset), method: .get) { request, context in Self.asset(request, context) }
        router.on(RouterPath(UIPath.asset), method: .head) { request, context in Self.asset(request, context) }
    }

    /// A page, built from store reads: synchronous, run on NIO's blocking thread pool.
    typealias PageBuilder = @Sendable (Request, Context) throws -> Response

    /// A page route: the access requirement as for the API; the page is read and rendered off
    /// Swift's cooperative pool (SQLite reads block); an API error becomes an HTML page with the
    /// same status.
    private func uiRoute(_ router: Router<Context>, _ path: String, _ requirement: Requirement, _ build: @escaping PageBuilder) {
        router.on(RouterPath(path), method: .get) { request, context in
            do {
                let authorized = try authorize(requirement, context)
                return try await NIOThreadPool.singleton.runIfActive { try build(request, authorized) }
            } catch let error as APIError {
                return Self.errorPage(error, context: context)
            }
        }
    }

    /// An HTML page: `page` rendered into the layout, with the security headers and no caching
    /// (it shows live state, possibly under a token).
    func htmlPage(_ page: String, title: String, heading: String? = nil, crumbs: [(href: String, label: String)] = [],
                  live: (namespace: String, deployment: String)? = nil, context: Context,
                  _ values: [String: MustacheValue], status: HTTPResponse.Status = .ok, headers extra: [(HTTPField.Name, String)] = []) -> Response {
        let body = DashboardTemplates.render(page, .object(values))
        let grant = context.grant
        // A live page's stream starts after the newest event it was rendered with, so nothing
        // recorded in between is missed.
        let since = live == nil ? nil : (try? store.events(limit: 1))?.last?.id
        var layout = Self.layout(title: title, heading: heading, body: body, grant: grant)
        layout.merge([
            "live": live == nil ? .null : "on",
            "liveNamespace": .string(live?.namespace ?? ""), "liveDeployment": .string(live?.deployment ?? ""),
            "since": since.map { .int(Int($0)) } ?? .null,
            "hasCrumbs": .bool(!crumbs.isEmpty),
            "crumbs": .array(crumbs.map { ["href": .string($0.href), "label": .string($0.label)] }),
            "session": grant.map { ["name": .string($0.name)] } ?? .null,
        ]) { _, new in new }
        return Self.html(DashboardTemplates.render("layout", .object(layout)), status: status, headers: extra)
    }

    /// The layout's values every page shares: titles, the body, the assets' names, the links.
    static func layout(title: String, heading: String?, body: String, grant: AccessGrant?) -> [String: MustacheValue] {
        [
            "title": .string(title), "heading": .string(heading ?? title), "body": .string(body),
            "css": .string(DashboardAsset.stylesheet.name), "js": .string(DashboardAsset.script.name), "icon": .string(DashboardAsset.icon.name),
            "showAudit": .bool(grant.map { $0.scopes.contains(.audit) } ?? true),
        ]
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok, headers extra: [(HTTPField.Name, String)] = []) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        for (name, value) in securityHeaders + extra { headers.append(HTTPField(name: name, value: value)) }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// 303 to `location` (a path on this server).
    static func redirect(to location: String, headers extra: [(HTTPField.Name, String)] = []) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        for (name, value) in securityHeaders + extra { headers.append(HTTPField(name: name, value: value)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// An error as a page (the message is escaped like everything else).
    static func errorPage(_ error: APIError, context: Context? = nil) -> Response {
        let title = "\(error.status.code) \(error.status.reasonPhrase)"
        let body = DashboardTemplates.render("error", ["message": .string(error.message)])
        var layout = Self.layout(title: title, heading: nil, body: body, grant: context?.grant)
        // Without a context (an answer of the middleware) nothing says the caller may audit.
        if context == nil { layout["showAudit"] = false }
        var extra: [(HTTPField.Name, String)] = []
        if !error.allowed.isEmpty { extra.append((.allow, error.allowed.map(\.rawValue).joined(separator: ", "))) }
        return html(DashboardTemplates.render("layout", .object(layout)), status: error.status, headers: extra)
    }

    /// `GET /ui/assets/{file}`: the stylesheet or script, by its content-hashed name; 304 when
    /// `If-None-Match` names its ETag.
    static func asset(_ request: Request, _ context: Context) -> Response {
        guard let asset = DashboardAsset.all[context.parameters.get("file") ?? ""] else {
            return errorPage(.notFound("not_found", "no asset \(request.uri.path)"))
        }
        var headers: HTTPFields = [.eTag: asset.etag, .cacheControl: "public, max-age=31536000, immutable"]
        for (name, value) in securityHeaders { headers.append(HTTPField(name: name, value: value)) }
        if let match = request.headers[.ifNoneMatch], match.split(separator: ",").contains(where: {
            $0.trimmingCharacters(in: .whitespaces) == asset.etag || $0.trimmingCharacters(in: .whitespaces) == "*"
        }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        headers[.contentLength] = String(asset.body.readableBytes)
        return Response(status: .ok, headers: headers, body: request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: asset.body))
    }

    /// The dashboard path of a namespace, Deployment or template (names percent-encoded).
    static func uiHref(namespace: String, deployment: String? = nil, template: String? = nil) -> String {
        var path = "/ui/namespaces/\(HTMLText.segment(namespace))"
        if let deployment { path += "/deployments/\(HTMLText.segment(deployment))" }
        if let template { path += "/templates/\(HTMLText.segment(template))" }
        return path
    }
}
