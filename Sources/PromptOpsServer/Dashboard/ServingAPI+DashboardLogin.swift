import HTTPTypes
import Foundation
import Hummingbird

extension ServingAPI {
    /// `GET /ui/login`: the token form, with a fresh CSRF value in the form and in a cookie.
    /// With no tokens configured there is nothing to sign in to: the overview.
    func loginPage(_ request: Request, _ context: Context) async throws -> Response {
        guard access.isEnforced else { return Self.redirect(to: UIPath.overview) }
        return loginForm(next: request.uri.queryParameters["next"].map(String.init), problem: nil, status: .ok, context: context)
    }

    private func loginForm(next: String?, problem: String?, status: HTTPResponse.Status, context: Context) -> Response {
        let csrf = DashboardSession.newCSRF()
        var context = context
        context.grant = nil
        return htmlPage("login", title: "Sign in", context: context, [
            "csrf": .string(csrf), "next": .string(DashboardSession.safeNext(next)),
            "problem": problem.map { .string($0) } ?? .null,
        ], status: status, headers: [(.setCookie, DashboardSession.csrfCookieHeader(csrf))])
    }

    /// `POST /ui/login`: checks the form's CSRF value against its cookie and where the request
    /// comes from, then the token; a known token is kept in the session cookie.
    func login(_ request: Request, _ context: Context) async throws -> Response {
        guard access.isEnforced else { return Self.redirect(to: UIPath.overview) }
        guard DashboardSession.isSameOrigin(request) else {
            return Self.errorPage(.forbidden("sign-in must come from this dashboard's own form"))
        }
        let media = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard media == "application/x-www-form-urlencoded" else {
            return Self.errorPage(APIError(.unsupportedMediaType, code: "unsupported_media_type", "sign-in takes a form (application/x-www-form-urlencoded)"))
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: DashboardSession.maxFormBytes)
        } catch {
            return Self.errorPage(.bodyTooLarge(limit: DashboardSession.maxFormBytes))
        }
        let fields = DashboardSession.formFields(String(buffer: body))
        let next = fields["next"]
        guard let sent = fields["csrf"], let kept = DashboardSession.cookie(DashboardSession.csrfCookie, in: request.headers),
              !kept.isEmpty, DashboardSession.constantTimeEqual(sent, kept) else {
            return loginForm(next: next, problem: "The form expired or did not come from this page; sign in again.", status: .forbidden,
                             context: context)
        }
        let token = fields["token"] ?? ""
        guard !token.isEmpty, token.utf8.count <= 4096, token.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
            return loginForm(next: next, problem: "Enter an API token.", status: .badRequest, context: context)
        }
        switch access.authenticate("Bearer " + token) {
        case .granted, .open:
            return Self.redirect(to: DashboardSession.safeNext(next), headers: [
                (.setCookie, DashboardSession.tokenCookieHeader(token)), (.setCookie, DashboardSession.clearCSRFCookie),
            ])
        case .missing, .unknown:
            metrics.recordDenied(token: "unknown", scope: "read", status: 401)
            return loginForm(next: next, problem: "That token is not known.", status: .unauthorized, context: context)
        }
    }

    /// `POST /ui/logout`: forgets the session cookie (from this site only).
    func logout(_ request: Request, _ context: Context) async throws -> Response {
        guard DashboardSession.isSameOrigin(request) else {
            return Self.errorPage(.forbidden("sign-out must come from this dashboard"))
        }
        return Self.redirect(to: access.isEnforced ? UIPath.login : UIPath.overview,
                             headers: [(.setCookie, DashboardSession.clearTokenCookie)])
    }
}
