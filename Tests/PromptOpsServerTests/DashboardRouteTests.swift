import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PromptOpsCore
import PromptOpsStore
import Testing
@testable import PromptOpsServer

@Suite("Dashboard pages")
struct DashboardRouteTests {
    static let pages = [
        "/ui/", "/ui/namespaces/support", "/ui/namespaces/support/deployments/support-reply-prod",
        "/ui/namespaces/support/templates/support-reply", "/ui/events", "/ui/audit",
    ]

    @Test("every page answers HTML with the CSP, nosniff and no caching; / redirects; unknown pages are HTML 404s")
    func pagesAndHeaders() async throws {
        let served = try ServedStore(Manifests.repository())
        try await TestServer(served).run { client in
            for page in Self.pages {
                let r = try await client.get(page)
                #expect(r.status == .ok, "\(page): \(r.text.prefix(300))")
                #expect(r.headers[.contentType] == "text/html; charset=utf-8", "\(page)")
                #expect(r.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'self'") == true, "\(page)")
                #expect(r.headers[.xContentTypeOptions] == "nosniff" && r.headers[.cacheControl] == "no-store", "\(page)")
                // No inline script or style: only the embedded files, linked by hashed name.
                #expect(!r.text.contains("<style") && !r.text.contains(" style=") && !r.text.contains("<script>"), "\(page)")
                #expect(r.text.contains("<script src=\"/ui/assets/\(DashboardAsset.script.name)\" defer></script>"), "\(page)")
            }
            let root = try await client.get("/")
            #expect(root.status == .seeOther && root.headers[.location] == "/ui/")
            for missing in ["/ui/nothing", "/ui/namespaces/ghost", "/ui/namespaces/support/deployments/ghost", "/ui/namespaces/support/templates/ghost"] {
                let r = try await client.get(missing)
                #expect(r.status == .notFound && r.headers[.contentType] == "text/html; charset=utf-8", "\(missing): \(r.text.prefix(200))")
            }
            let post = try await client.execute(uri: "/ui/events", method: .post)
            #expect(post.status == .methodNotAllowed && post.headers[.allow] == "GET")
        }
    }

    @Test("the assets: content-hashed names, strong ETags, a year's immutable caching, 304 on If-None-Match")
    func assets() async throws {
        let served = try ServedStore(Manifests.repository())
        try await TestServer(served).run { client in
            for asset in [DashboardAsset.stylesheet, DashboardAsset.script] {
                let r = try await client.get("/ui/assets/\(asset.name)")
                #expect(r.status == .ok && r.headers[.eTag] == asset.etag && !asset.etag.hasPrefix("W/"))
                #expect(r.headers[.cacheControl] == "public, max-age=31536000, immutable" && r.headers[.xContentTypeOptions] == "nosniff")
                let hash = SHA256.hash(data: Array(r.text.utf8)).map { String(format: "%02x", $0) }.joined()
                #expect(asset.name.contains(hash.prefix(12)), "the name carries the served bytes' hash")
                let again = try await client.execute(uri: "/ui/assets/\(asset.name)", method: .get, headers: [.ifNoneMatch: asset.etag])
                #expect(again.status == .notModified && again.body.readableBytes == 0)
            }
            #expect(try await client.get("/ui/assets/app.css").status == .notFound)
        }
    }

    @Test("content from git is escaped everywhere: no script, no element, no javascript: link")
    func hostileContent() async throws {
        let payloads = ["<script>alert(1)</script>", "\"><img src=x onerror=alert(2)>", "javascript:alert(3)"]
        var files = Manifests.repository()
        files["support/hostile.yaml"] = """
            apiVersion: promptops.dev/v1alpha1
            kind: PromptTemplate
            metadata: {name: hostile, namespace: support, labels: {note: "x"}}
            spec:
              description: '\(payloads.joined(separator: " ")) <a href="javascript:alert(4)">x</a>'
              text: '\(payloads.joined(separator: "\\n")) {{who}}'
              inputs: {who: {type: string, default: "<b>"}}
            """
        let served = try ServedStore(files)
        var second = files
        second["support/hostile.yaml"] = files["support/hostile.yaml"]!.replacingOccurrences(of: "{{who}}", with: "<svg onload=alert(5)> {{who}}")
        try served.apply(second, revision: ServedStore.revision(2))
        try await TestServer(served).run { client in
            for page in ["/ui/namespaces/support/templates/hostile", "/ui/namespaces/support/templates/hostile?from=1&to=2", "/ui/namespaces/support"] {
                let html = try await client.get(page).text
                #expect(html.contains("hostile"), "\(page)")
                for raw in ["<script>alert", "<img", "<svg onload", "href=\"javascript:", "<a href=\"javascript", "onerror=alert(2)>"] {
                    #expect(!html.contains(raw), "\(page) holds \(raw)")
                }
                if page.contains("templates") { #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "\(page): shown, escaped") }
            }
            let diff = try await client.get("/ui/namespaces/support/templates/hostile?from=1&to=2").text
            #expect(diff.contains("&lt;svg onload=alert(5)&gt;") && diff.contains("class=\"added\""))
        }
    }

    @Test("the diff of two versions: each message rendered with the newer version's test inputs, line by line")
    func versionDiff() async throws {
        let served = try ServedStore(Manifests.repository())
        try served.apply(Manifests.repository(greeting: "Dear"), revision: ServedStore.revision(2))
        try await TestServer(served).run { client in
            let page = try await client.get("/ui/namespaces/support/templates/support-reply?from=1&to=2").text
            #expect(page.contains("v1 → v2"))
            #expect(page.contains("messages[1]"))
            #expect(page.contains("<tr class=\"removed\"><td>1</td><td></td><td><span class=\"mark\">−</span><code>Hello {{customer_name}}"), "\(page)")
            #expect(page.contains("<tr class=\"added\"><td></td><td>1</td><td><span class=\"mark\">+</span><code>Dear {{customer_name}}"), "\(page)")
            let bad = try await client.get("/ui/namespaces/support/templates/support-reply?from=9")
            #expect(bad.status == .notFound && bad.text.contains("has no version 9"))
            let wrong = try await client.get("/ui/namespaces/support/templates/support-reply?to=x")
            #expect(wrong.status == .badRequest)
        }
    }

    @Test("with tokens: sign-in once (CSRF-checked form, HttpOnly SameSite=Strict cookie), scopes and namespaces honoured, cookie never authorizes a POST")
    func signIn() async throws {
        let served = try AccessRouteTests.store(["support", "billing"])
        let (secret, reader) = AccessRouteTests.token("support-reader", ["support"], [.read, .render])
        var server = TestServer(served)
        server.access = AccessControl(tokens: [reader])
        try await server.run { client in
            let first = try await client.get("/ui/namespaces/support?after=a")
            #expect(first.status == .seeOther && first.headers[.location] == "/ui/login?next=%2Fui%2Fnamespaces%2Fsupport%3Fafter%3Da")
            let form = try await client.get("/ui/login?next=/ui/namespaces/support")
            let csrfCookie = try #require(form.headers[.setCookie])
            #expect(csrfCookie.contains("HttpOnly") && csrfCookie.contains("SameSite=Strict"))
            let csrf = String(csrfCookie.dropFirst("promptops_csrf=".count).prefix { $0 != ";" })
            #expect(form.text.contains("name=\"csrf\" value=\"\(csrf)\""))

            func post(_ body: String, cookie: String?, origin: String? = nil) async throws -> TestResponse {
                var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
                if let cookie { headers[.cookie] = cookie }
                if let origin { headers[.origin] = origin }
                return try await client.execute(uri: "/ui/login", method: .post, headers: headers, body: ByteBuffer(string: body))
            }
            let token = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            // No cookie, a wrong value, another site: refused, no session.
            for (body, cookie, origin) in [("csrf=\(csrf)&token=\(token)", nil, nil), ("csrf=x\(csrf.dropFirst())&token=\(token)", "promptops_csrf=\(csrf)", nil),
                                           ("csrf=\(csrf)&token=\(token)", "promptops_csrf=\(csrf)", "http://evil.example")] as [(String, String?, String?)] {
                let r = try await post(body, cookie: cookie, origin: origin)
                #expect(r.status == .forbidden && r.headers[values: .setCookie].allSatisfy { !$0.hasPrefix("promptops_token=") }, "\(body) \(String(describing: origin))")
            }
            let wrong = try await post("csrf=\(csrf)&token=nope", cookie: "promptops_csrf=\(csrf)")
            #expect(wrong.status == .unauthorized && wrong.text.contains("not known") && !wrong.text.contains("nope"))
            let ok = try await post("csrf=\(csrf)&token=\(token)&next=%2Fui%2Fnamespaces%2Fsupport", cookie: "promptops_csrf=\(csrf)")
            #expect(ok.status == .seeOther && ok.headers[.location] == "/ui/namespaces/support")
            let session = try #require(ok.headers[values: .setCookie].first { $0.hasPrefix("promptops_token=") })
            #expect(session.contains("HttpOnly") && session.contains("SameSite=Strict") && session.contains("Path=/"))
            let cookie = String(session.prefix { $0 != ";" })
            let evil = try await post("csrf=\(csrf)&token=\(token)&next=%2F%2Fevil.example", cookie: "promptops_csrf=\(csrf)")
            #expect(evil.headers[.location] == "/ui/", "never a redirect to another site")

            func get(_ uri: String) async throws -> TestResponse { try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie]) }
            let page = try await get("/ui/namespaces/support")
            #expect(page.status == .ok && page.text.contains("support-reader") && page.text.contains("Sign out"))
            #expect(try await get("/ui/namespaces/billing").status == .notFound, "a namespace outside the token is as absent")
            #expect(try await get("/ui/audit").status == .forbidden, "no audit scope")
            #expect(!(try await get("/ui/").text.contains("billing")))
            #expect(!(try await get("/ui/").text.contains("href=\"/ui/audit\"")), "no link the token cannot follow")
            #expect(try await get("/api/v1/namespaces/support/deployments/greet/measurements").status == .ok, "the page's script reads with the cookie")
            let render = try await client.execute(uri: "/api/v1/namespaces/support/deployments/greet/render", method: .post,
                                                  headers: [.cookie: cookie, .contentType: "application/json"], body: ByteBuffer(string: "{\"variables\":{}}"))
            #expect(render.status == .unauthorized, "a cookie never authorizes a POST")
            let resolve = try await get("/api/v1/namespaces/support/deployments/greet/resolve?key=a")
            #expect(resolve.status == .unauthorized, "nor a read outside the dashboard's own: \(resolve.status)")
            #expect(try await get("/api/v1/status").status == .unauthorized)
            let crossSite = try await client.execute(uri: "/ui/", method: .get, headers: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"])
            #expect(crossSite.status == .ok && crossSite.text.contains("http-equiv=\"refresh\""),
                    "a link from another site hops once to bring the SameSite=Strict cookie")
            let postUI = try await client.execute(uri: "/ui/events", method: .post)
            #expect(postUI.status == .unauthorized && postUI.headers[.location] == nil)
            let out = try await client.execute(uri: "/ui/logout", method: .post, headers: [.cookie: cookie, .origin: "http://evil.example"])
            #expect(out.status == .forbidden)
            let signedOut = try await client.execute(uri: "/ui/logout", method: .post, headers: [.cookie: cookie])
            #expect(signedOut.status == .seeOther && signedOut.headers[.setCookie]?.contains("Max-Age=0") == true)
            let revoked = try await client.execute(uri: "/ui/", method: .get, headers: [.cookie: "promptops_token=unknown"])
            #expect(revoked.status == .seeOther && revoked.headers[.setCookie]?.contains("Max-Age=0") == true)
        }
    }

    @Test("a Deployment's page draws every measurement of the rollout with its thresholds, the steps and the weight over time")
    func deploymentPage() async throws {
        let served = try ServedStore(Manifests.repository())
        let at = ServedStore.now
        let taken = (1...3).map { i in
            TakenMeasurement(round: i, canary: .init(version: 2, hash: "b"), measurement: MetricMeasurement(
                metric: "score", value: [0.9, 0.4, 0.95][i - 1], verdict: i == 2 ? .failed : .successful, message: i == 2 ? "<b>low</b>" : nil,
                at: at.addingTimeInterval(Double(i))))
        }
        let stable = try #require(try served.store.deployment(namespace: "support", name: "support-reply-prod")).stable
        let machine = RolloutStateMachine(stable: .init(version: stable.version, hash: stable.hash))
        #expect(try served.store.saveRollout(namespace: "support", deployment: "support-reply-prod", machine: machine,
                                             expectedGeneration: nil, actions: [], measurements: taken, now: at))
        try await TestServer(served).run { client in
            let html = try await client.get("/ui/namespaces/support/deployments/support-reply-prod").text
            #expect(html.contains("aria-labelledby=\"chart-m0-title\"") && html.contains("<title id=\"chart-m0-title\">score over time</title>"))
            #expect(html.components(separatedBy: "class=\"point bad\"").count == 2, "the failed measurement is marked")
            #expect(html.contains("&lt;b&gt;low&lt;/b&gt;") && !html.contains("<b>low"))
            #expect(html.contains("Canary weight over time") && html.contains("data-live=\"on\""))
            #expect(html.contains("data-deployment=\"support-reply-prod\""))
        }
    }

    @Test("the stream's measurements for a scoped token: other namespaces' rows never hide the next visible one")
    func scopedMeasurements() throws {
        let served = try AccessRouteTests.store(["support", "billing"])
        func save(_ namespace: String, count: Int) throws {
            let stable = try #require(try served.store.deployment(namespace: namespace, name: "greet")).stable
            let taken = (0..<count).map { i in
                TakenMeasurement(round: i, canary: .init(version: 2, hash: "h"),
                                 measurement: MetricMeasurement(metric: "score", value: 1, verdict: .successful, at: ServedStore.now))
            }
            #expect(try served.store.saveRollout(namespace: namespace, deployment: "greet", machine: RolloutStateMachine(stable: .init(version: stable.version, hash: stable.hash)),
                                                 expectedGeneration: nil, actions: [], measurements: taken, now: ServedStore.now))
        }
        try save("billing", count: 600)
        try save("support", count: 1)
        let seen = try served.store.measurements(after: 0, visible: ["support"], limit: 500)
        #expect(seen.map(\.namespace) == ["support"])
        #expect(try served.store.measurements(after: 0, visible: nil, limit: 500).count == 500)
    }

    @Test("charts and diffs: labels escaped, an empty series says so, lines diffed with CollectionDifference")
    func pieces() {
        let empty = SVGChart(title: "<x>", summary: "s", points: []).svg(id: "a")
        #expect(empty.contains("<title id=\"chart-a-title\">&lt;x&gt;</title>") && empty.contains("no data yet"))
        let t0 = Date(timeIntervalSince1970: 0)
        let chart = SVGChart(title: "t", summary: "s", points: [.init(time: t0, value: 1), .init(time: t0.addingTimeInterval(10), value: 3)],
                             lines: [.init(value: 2, label: "min \"2\"")]).svg(id: "b")
        #expect(chart.contains("<polyline class=\"series\"") && chart.contains("min &quot;2&quot;"))
        let diff = LineDiff(from: "a\nb\nc", to: "a\nB\nc\nd")
        #expect(diff.rows.map(\.kind) == [.same, .removed, .added, .same, .added])
        #expect(diff.rows.map(\.text) == ["a", "b", "B", "c", "d"])
        #expect(LineDiff(from: "x", to: "x").isEmpty)
        let big = (0..<3000).map(String.init).joined(separator: "\n")
        let tooLarge = LineDiff(from: big, to: big + "\nmore")
        #expect(tooLarge.isTooLarge && tooLarge.rows.isEmpty && !tooLarge.isEmpty, "a huge diff is refused, not computed")
        #expect(SVGChart(title: "t", summary: "s", points: [.init(time: t0, value: .infinity), .init(time: t0.addingTimeInterval(1), value: 2)])
            .svg(id: "c").contains("nan") == false)
        #expect(BrowseLink(pattern: "https://git.example/blob/{revision}/{path}#L{line}")
            .url(revision: "abc123", path: "prompts/support/a b.yaml", line: 7) == "https://git.example/blob/abc123/prompts/support/a%20b.yaml#L7")
        #expect(BrowseLink(pattern: "javascript:alert({line})").url(revision: "a", path: "x", line: 1) == nil)
    }
}
