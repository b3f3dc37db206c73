import Foundation
import Hummingbird
import HummingbirdTesting
import PromptOpsServer
import Testing

@Suite("Paging: limit, cursor and the Link header")
struct PagingRouteTests {
    /// Three namespaces, each with the three templates and two Deployments of the support set.
    static func repository() -> [String: String] {
        var files = Manifests.repository()
        for ns in ["billing", "sales"] {
            for (path, text) in Manifests.repository() {
                files["\(ns)/\(path)"] = text.replacingOccurrences(of: "namespace: support", with: "namespace: \(ns)")
            }
        }
        return files
    }

    /// Follows `Link: <…>; rel="next"` from `first`; returns every page's names and the links.
    static func walk(_ client: any TestClientProtocol, _ first: String, names: (TestResponse) -> [String])
        async throws -> (pages: [[String]], links: [String])
    {
        var pages: [[String]] = [], links: [String] = []
        var uri: String? = first
        while let next = uri, pages.count < 200 {
            let response = try await client.get(next)
            #expect(response.status == .ok, "\(next): \(response.text)")
            pages.append(names(response))
            uri = response.headers[.init("Link")!].flatMap { link in
                links.append(link)
                guard link.hasPrefix("<"), let end = link.firstIndex(of: ">"), link.hasSuffix("; rel=\"next\"") else { return nil }
                return String(link[link.index(after: link.startIndex)..<end])
            }
        }
        return (pages, links)
    }

    @Test("templates and deployments: pages of `limit` in name order add up to the whole list")
    func listsPage() async throws {
        let served = try ServedStore(Self.repository())
        try await TestServer(served).run { client in
            let whole = try await client.get("/api/v1/namespaces/billing/templates")
            #expect(whole.headers[.init("Link")!] == nil, "one page holds all: no next")
            let all = whole.array.compactMap { $0["name"] as? String }
            #expect(all == ["brand-voice", "support-reply", "tagline"])
            for limit in 1...4 {
                let (pages, links) = try await Self.walk(client, "/api/v1/namespaces/billing/templates?limit=\(limit)") {
                    $0.array.compactMap { $0["name"] as? String }
                }
                #expect(pages.flatMap { $0 } == all, "limit \(limit)")
                #expect(pages.allSatisfy { $0.count <= limit })
                #expect(links.count == (all.count - 1) / limit, "a Link only while more remain")
            }
            let (deployments, _) = try await Self.walk(client, "/api/v1/namespaces/sales/deployments?limit=1") {
                $0.array.compactMap { $0["name"] as? String }
            }
            #expect(deployments == [["support-reply-prod"], ["tagline-web"]])
        }
    }

    @Test("status pages its namespaces, with nextCursor beside the Link header")
    func statusPages() async throws {
        let served = try ServedStore(Self.repository())
        try await TestServer(served).run { client in
            let (pages, links) = try await Self.walk(client, "/api/v1/status?limit=2") { response in
                (response.object["namespaces"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            }
            #expect(pages == [["billing", "sales"], ["support"]])
            #expect(links == ["</api/v1/status?limit=2&cursor=sales>; rel=\"next\""])
            let first = try await client.get("/api/v1/status?limit=2")
            #expect(first.object["nextCursor"] as? String == "sales")
            let last = try await client.get("/api/v1/status?limit=2&cursor=sales")
            #expect(last.object["nextCursor"] is NSNull)
        }
    }

    @Test("a bad limit or cursor is a 400 invalid_parameter", arguments: [
        "limit=0", "limit=-1", "limit=10001", "limit=ten", "cursor=..%2F..%2Fetc", "cursor=A", "cursor=a%22b",
    ])
    func badPageParameters(query: String) async throws {
        let served = try ServedStore(Self.repository())
        try await TestServer(served).run { client in
            for path in ["/api/v1/namespaces/support/templates", "/api/v1/namespaces/support/deployments", "/api/v1/status"] {
                let response = try await client.get("\(path)?\(query)")
                #expect(response.status == .badRequest, "\(path)?\(query)")
                #expect((response.object["error"] as? [String: Any])?["code"] as? String == "invalid_parameter")
            }
        }
    }

    @Test("events read forward from `since` link to the next full page")
    func eventsLinkForward() async throws {
        let served = try ServedStore(Self.repository())
        try await TestServer(served).run { client in
            let all = try await client.get("/api/v1/events?since=0&limit=10000").array.compactMap { $0["id"] as? Int }
            try #require(all.count >= 2, "the store records events for the first apply")
            let (pages, _) = try await Self.walk(client, "/api/v1/events?since=0&limit=1") { $0.array.compactMap { $0["id"] as? Int }.map(String.init) }
            #expect(pages.flatMap { $0 } == all.map(String.init))
        }
    }
}
