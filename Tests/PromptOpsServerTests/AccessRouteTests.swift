import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import PromptOpsCore
import PromptOpsServer
import Testing

/// API access with bearer tokens (controller-config.md, "API access"): 401 / 403 / 404 on
/// every route, lists filtered to the token's namespaces, denials counted by token name.
@Suite("API tokens: who may read which namespace")
struct AccessRouteTests {
    /// One template and one Deployment in `namespace`.
    static func namespaceFiles(_ namespace: String) -> [String: String] {
        ["\(namespace)/greet.yaml": """
            apiVersion: promptops.dev/v1alpha1
            kind: PromptTemplate
            metadata: {name: greet, namespace: \(namespace)}
            spec:
              inputs: {name: {type: string}}
              text: "Hello {{name}} from \(namespace)"
            ---
            apiVersion: promptops.dev/v1alpha1
            kind: Deployment
            metadata: {name: greet, namespace: \(namespace)}
            spec: {template: greet}
            """]
    }

    static func store(_ namespaces: [String]) throws -> ServedStore {
        try ServedStore(namespaces.reduce(into: [:]) { $0.merge(namespaceFiles($1)) { a, _ in a } })
    }

    static func token(_ name: String, _ namespaces: [String], _ scopes: Set<ControllerConfig.APIToken.Scope>) -> (String, ControllerConfig.APIToken) {
        let secret = "tok-\(name)-\(UUID().uuidString)"
        return (secret, ControllerConfig.APIToken(name: name, sha256: Array(SHA256.hash(data: Array(secret.utf8))), namespaces: namespaces, scopes: scopes))
    }

    /// The caller kinds of the matrix.
    enum Caller: String, CaseIterable { case none, unknown, reader, renderer, auditor, scraper }

    @Test("every route × caller answers as the design specifies")
    func matrix() async throws {
        let served = try Self.store(["support", "billing"])
        let (readerSecret, reader) = Self.token("support-reader", ["support"], [.read])
        let (renderSecret, renderer) = Self.token("support-app", ["support"], [.render])
        let (auditSecret, auditor) = Self.token("auditor", [], [.audit])
        let (scrapeSecret, scraper) = Self.token("prometheus", [], [.metrics])
        var server = TestServer(served)
        server.access = AccessControl(tokens: [reader, renderer, auditor, scraper])
        let secrets: [Caller: String?] = [.none: nil, .unknown: "not-a-configured-token", .reader: readerSecret,
                                          .renderer: renderSecret, .auditor: auditSecret, .scraper: scrapeSecret]
        // route → expected status per caller (own = support, other = billing).
        let own = "/api/v1/namespaces/support", other = "/api/v1/namespaces/billing"
        let table: [(String, [Caller: Int])] = [
            ("/healthz", [.none: 200, .unknown: 200, .reader: 200, .renderer: 200, .auditor: 200, .scraper: 200]),
            ("/readyz", [.none: 200, .unknown: 200, .reader: 200, .renderer: 200, .auditor: 200, .scraper: 200]),
            ("/metrics", [.none: 401, .unknown: 401, .reader: 403, .renderer: 403, .auditor: 403, .scraper: 200]),
            ("/api/v1/status", [.none: 401, .unknown: 401, .reader: 200, .renderer: 403, .auditor: 403, .scraper: 403]),
            ("/api/v1/events", [.none: 401, .unknown: 401, .reader: 200, .renderer: 403, .auditor: 403, .scraper: 403]),
            ("/api/v1/audit", [.none: 401, .unknown: 401, .reader: 403, .renderer: 403, .auditor: 200, .scraper: 403]),
            ("\(own)/templates", [.none: 401, .unknown: 401, .reader: 200, .renderer: 403, .auditor: 404, .scraper: 404]),
            ("\(own)/templates/greet", [.none: 401, .unknown: 401, .reader: 200, .renderer: 403, .auditor: 404, .scraper: 404]),
            ("\(own)/templates/greet/versions/1", [.none: 401, .unknown: 401, .reader: 200, .renderer: 403, .auditor: 404, .scraper: 404]),
            ("\(own)/deployments", [.none: 401, .unknown: 401, .reader: 200, .renderer: 403, .auditor: 404, .scraper: 404]),
            ("\(own)/deployments/greet", [.none: 401, .unknown: 401, .reader: 200, .renderer: 403, .auditor: 404, .scraper: 404]),
            ("\(own)/deployments/greet/resolve", [.none: 401, .unknown: 401, .reader: 403, .renderer: 200, .auditor: 404, .scraper: 404]),
            ("\(other)/templates", [.none: 401, .unknown: 401, .reader: 404, .renderer: 404, .auditor: 404, .scraper: 404]),
            ("\(other)/templates/greet", [.none: 401, .unknown: 401, .reader: 404, .renderer: 404, .auditor: 404, .scraper: 404]),
            ("\(other)/deployments/greet", [.none: 401, .unknown: 401, .reader: 404, .renderer: 404, .auditor: 404, .scraper: 404]),
            ("\(other)/deployments/greet/resolve", [.none: 401, .unknown: 401, .reader: 404, .renderer: 404, .auditor: 404, .scraper: 404]),
            ("/no/such/route", [.none: 401, .unknown: 401, .reader: 404, .renderer: 404, .auditor: 404, .scraper: 404]),
        ]
        try await server.run { client in
            for (route, expected) in table {
                for caller in Caller.allCases {
                    let response = try await client.get(route, token: secrets[caller]!)
                    #expect(Int(response.status.code) == expected[caller], "\(route) as \(caller): \(response.status.code) \(response.text)")
                    if response.status == .unauthorized {
                        #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                        #expect(response.errorCode == "unauthorized")
                    }
                    if response.status == .forbidden { #expect(response.errorCode == "forbidden") }
                }
            }
            // render (POST) follows resolve.
            for (caller, path, code) in [(Caller.renderer, own, 200), (.reader, own, 403), (.renderer, other, 404), (.none, own, 401)] {
                let response = try await client.execute(
                    uri: "\(path)/deployments/greet/render", method: .post,
                    headers: secrets[caller]!.map { [.authorization: "Bearer \($0)", .contentType: "application/json"] } ?? [.contentType: "application/json"],
                    body: ByteBuffer(string: #"{"variables": {"name": "Ana"}}"#))
                #expect(Int(response.status.code) == code, "render \(path) as \(caller): \(response.text)")
            }
        }
        // Denials are counted by token name and scope, never with the token itself.
        let exposition = server.metrics.exposition()
        #expect(exposition.contains(#"promptops_access_denied_total{token="support-reader",scope="render",status="403"}"#), "\(exposition)")
        #expect(exposition.contains(#"promptops_access_denied_total{token="",scope="read",status="401"}"#))
        #expect(exposition.contains(#"promptops_access_denied_total{token="unknown",scope="metrics",status="401"}"#))
        for secret in [readerSecret, renderSecret, auditSecret, scrapeSecret, "not-a-configured-token"] {
            #expect(!exposition.contains(secret))
        }
    }

    @Test("a namespace outside the token answers exactly as one that does not exist")
    func hiddenIsMissing() async throws {
        let served = try Self.store(["support", "billing"])
        let (secret, reader) = Self.token("reader", ["support"], [.read, .render])
        var server = TestServer(served)
        server.access = AccessControl(tokens: [reader])
        try await server.run { client in
            for suffix in ["templates", "templates/greet", "templates/greet/versions/1", "templates/greet/versions/x", "deployments",
                           "deployments/greet", "deployments/greet/resolve?key=a"] {
                let hidden = try await client.get("/api/v1/namespaces/billing/\(suffix)", token: secret)
                let missing = try await client.get("/api/v1/namespaces/nobody/\(suffix)", token: secret)
                #expect(hidden.status == missing.status, "\(suffix)")
                #expect(hidden.text.replacingOccurrences(of: "billing", with: "NS") == missing.text.replacingOccurrences(of: "nobody", with: "NS"),
                        "\(suffix): \(hidden.text) vs \(missing.text)")
                #expect(!hidden.text.contains("Hello"), "no content of the hidden namespace")
            }
        }
    }

    @Test("property: status and events never name a namespace outside the token", arguments: 0..<12)
    func listsAreFiltered(seed: Int) async throws {
        var rng = SeededGenerator(seed: UInt64(seed + 1))
        let pool = ["alpha", "beta", "gamma", "delta", "team-a1", "team-a2", "team-b1", "ops-x"]
        let namespaces = pool.filter { _ in Bool.random(using: &rng) }.nonEmpty ?? ["alpha"]
        let globs = [["alpha"], ["team-a*"], ["*-b1", "ops-?"], ["beta", "gamma"], ["team-*"], ["zzz"]].randomElement(using: &rng)!
        let served = try Self.store(namespaces)
        let (secret, token) = Self.token("t", globs, [.read])
        var server = TestServer(served)
        server.access = AccessControl(tokens: [token])
        let visible = namespaces.filter { ns in globs.contains { Glob.matches($0, ns) } }
        try await server.run { client in
            let status = try await client.get("/api/v1/status", token: secret)
            let names = (status.object["namespaces"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names == visible.sorted())
            let events = try await client.get("/api/v1/events?limit=1000", token: secret)
            #expect(Set(events.array.compactMap { $0["namespace"] as? String }).isSubset(of: Set(visible)))
            for hidden in namespaces where !visible.contains(hidden) {
                #expect(!status.text.contains("\"\(hidden)\""), "status names \(hidden)")
                #expect(!events.text.contains(hidden), "events name \(hidden)")
                let filtered = try await client.get("/api/v1/events?namespace=\(hidden)", token: secret)
                #expect(filtered.text == "[]")
            }
        }
    }

    @Test("a '*' token sees everything, source-level events included; a narrower one gets no other source's top-level state")
    func everythingVersusSome() async throws {
        let served = try Self.store(["support", "billing"])
        // A source-level event (no namespace), as a failing fetch writes it.
        try served.store.recordSyncPass(source: ("team-a", "/repo"), primary: true, branch: "main", revision: nil,
                                        error: "git: connection refused", now: ServedStore.now)
        let (allSecret, all) = Self.token("ops", ["*"], [.read])
        let (someSecret, some) = Self.token("support", ["support"], [.read])
        var server = TestServer(served)
        server.access = AccessControl(tokens: [all, some])
        try await server.run { client in
            let everything = try await client.get("/api/v1/events?limit=1000", token: allSecret)
            #expect(everything.array.contains { $0["namespace"] is NSNull && ($0["message"] as? String ?? "").contains("connection refused") },
                    "\(everything.text)")
            let wide = try await client.get("/api/v1/status", token: allSecret)
            #expect(wide.object["lastError"] as? String == "git: connection refused")
            let narrow = try await client.get("/api/v1/status", token: someSecret)
            #expect(narrow.object["revision"] is NSNull && narrow.object["lastError"] is NSNull && narrow.object["branch"] is NSNull,
                    "\(narrow.text)")
            let events = try await client.get("/api/v1/events?limit=1000", token: someSecret)
            #expect(!events.text.contains("connection refused") && !events.text.contains("billing"))
        }
    }

    @Test("the Authorization header: scheme case-insensitive, anything else is 401")
    func headerForms() async throws {
        let served = try Self.store(["support"])
        let (secret, token) = Self.token("app", ["support"], [.read])
        var server = TestServer(served)
        server.access = AccessControl(tokens: [token])
        try await server.run { client in
            for (header, code) in [("Bearer \(secret)", 200), ("bearer \(secret)", 200), ("BEARER  \(secret)", 200),
                                   ("Basic \(secret)", 401), ("Bearer", 401), ("Bearer ", 401), ("Bearer \(secret)x", 401),
                                   ("Bearer \(secret.dropLast())", 401), (secret, 401), ("Bearer \(secret.uppercased())", 401)] {
                let response = try await client.execute(uri: "/api/v1/status", method: .get, headers: [.authorization: header])
                #expect(Int(response.status.code) == code, "\(header.replacingOccurrences(of: secret, with: "TOKEN")): \(response.status)")
            }
        }
    }

    @Test("a rotated token: the old one is refused, the new one works, on the running server")
    func rotation() async throws {
        let served = try Self.store(["support"])
        let (oldSecret, old) = Self.token("app", ["support"], [.render])
        let (newSecret, new) = Self.token("app", ["support"], [.render])
        let access = AccessControl(tokens: [old])
        var server = TestServer(served)
        server.access = access
        try await server.run { client in
            let route = "/api/v1/namespaces/support/deployments/greet/resolve"
            let before = try await client.get(route, token: oldSecret)
            #expect(before.status == .ok)
            let change = access.replace([new])
            #expect(change.changed == ["app"] && change.added.isEmpty && change.removed.isEmpty)
            let refused = try await client.get(route, token: oldSecret)
            let accepted = try await client.get(route, token: newSecret)
            #expect(refused.status == .unauthorized)
            #expect(accepted.status == .ok)
        }
    }
}

extension Array {
    var nonEmpty: Self? { isEmpty ? nil : self }
}

/// A deterministic generator (SplitMix64) so a failing seed can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
