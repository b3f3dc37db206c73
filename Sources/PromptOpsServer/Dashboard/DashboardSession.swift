import HTTPTypes
import Foundation
import Hummingbird

/// The dashboard's sign-in, when API tokens are configured: the token is asked for once (a
/// form posting to `/ui/login`) and kept in an `HttpOnly`, `SameSite=Strict` cookie that
/// authenticates `GET` requests only (pages, and the event stream and measurements the
/// page's script reads): nothing that changes state, and no render, can ride on it.
///
/// The form is CSRF-safe: it carries a random value that must equal a `SameSite=Strict`
/// cookie set with the form (double submit), and a request whose `Origin` or
/// `Sec-Fetch-Site` says it comes from another site is refused before anything else.
enum DashboardSession {
    static let tokenCookie = "promptops_token"
    static let csrfCookie = "promptops_csrf"
    /// The largest login form read.
    static let maxFormBytes = 8 * 1024

    /// The value of cookie `name` in the request's `Cookie` headers.
    static func cookie(_ name: String, in headers: HTTPFields) -> String? {
        for field in headers[values: .cookie] {
            for pair in field.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let eq = trimmed.firstIndex(of: "="), trimmed[..<eq] == name else { continue }
                return String(trimmed[trimmed.index(after: eq)...])
            }
        }
        return nil
    }

    /// The token a `GET` or `HEAD` request of the dashboard carries in its cookie, as an
    /// `Authorization` value: its pages, and what its script reads (the event stream and a
    /// Deployment's measurements). Nil for anything else (resolve, metrics, audit JSON, any
    /// POST): those need the header.
    static func cookieAuthorization(_ request: Request) -> String? {
        guard request.method == .get || request.method == .head, readsWithCookie(request.uri.path),
              let value = cookie(tokenCookie, in: request.headers), !value.isEmpty,
              let token = value.removingPercentEncoding else { return nil }
        return "Bearer " + token
    }

    /// The paths the session cookie may read.
    static func readsWithCookie(_ path: String) -> Bool {
        if AccessMiddleware.isDashboard(path) || path == ServingAPI.Path.eventStream { return true }
        return path.hasPrefix("/api/v1/namespaces/") && path.hasSuffix("/measurements") && path.contains("/deployments/")
    }

    /// `Set-Cookie` for the token (percent-encoded: a token may hold any printable byte).
    static func tokenCookieHeader(_ token: String) -> String {
        let value = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return "\(tokenCookie)=\(value); Path=/; HttpOnly; SameSite=Strict"
    }

    /// `Set-Cookie` that removes the token.
    static let clearTokenCookie = "\(tokenCookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"

    /// A fresh random value for the login form and its cookie.
    static func newCSRF() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }

    static func csrfCookieHeader(_ value: String) -> String {
        "\(csrfCookie)=\(value); Path=/ui/login; HttpOnly; SameSite=Strict; Max-Age=3600"
    }

    static let clearCSRFCookie = "\(csrfCookie)=; Path=/ui/login; HttpOnly; SameSite=Strict; Max-Age=0"

    /// Whether the request comes from this site: `Sec-Fetch-Site` (every current browser sends
    /// it) is `same-origin` or `none`; from a browser without it, `Origin` (when sent) names the
    /// `Host` it was sent to. (Behind a proxy that rewrites `Host`, browsers that send
    /// `Sec-Fetch-Site` still sign in; the form's double-submit value is checked either way.)
    static func isSameOrigin(_ request: Request) -> Bool {
        if let site = request.headers[.secFetchSite] { return site == "same-origin" || site == "none" }
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    /// Equal strings, compared in time that does not depend on where they differ.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    /// The fields of an `application/x-www-form-urlencoded` body.
    static func formFields(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            let key = decode(parts[0])
            if fields[key] == nil { fields[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }

    /// Where to go after signing in: a dashboard path, never another site (`//host`, `\\`).
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/ui/"), !next.contains("//"), !next.contains("\\"),
              next.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else { return "/ui/" }
        return next
    }
}

extension HTTPField.Name {
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!
}
