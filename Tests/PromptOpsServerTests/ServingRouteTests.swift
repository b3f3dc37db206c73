import Foundation
import Hummingbird
import HummingbirdTesting
import PromptOpsCore
import PromptOpsServer
import Testing

@Suite("resolve and render")
struct ServingRouteTests {
    static let reply = "/api/v1/namespaces/support/deployments/support-reply-prod"
    static let tagline = "/api/v1/namespaces/support/deployments/tagline-web"

    @Test("resolve names the template, version, hash and variant serving a key")
    func resolve() async throws {
        let served = try ServedStore(Manifests.repository())
        let server = TestServer(served)
        try await server.run { client in
            let response = try await client.get(Self.reply + "/resolve?key=customer-42")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            let body = response.object
            #expect(body["template"] as? String == "support-reply")
            #expect(body["version"] as? Int == 1)
            #expect(body["variant"] as? String == "stable")
            let listed = try await client.get("/api/v1/namespaces/support/templates/support-reply").object
            #expect(body["hash"] as? String == listed["hash"] as? String)
            // No key is fine too.
            #expect(try await client.get(Self.reply + "/resolve").status == .ok)
        }
        #expect(server.snapshot.loadCount == 1, "resolve answers from the snapshot, loaded once")
    }

    @Test("render of a chat template: messages with the module included and defaults applied")
    func renderChat() async throws {
        try await TestServer(try ServedStore(Manifests.repository())).run { client in
            let response = try await client.post(Self.reply + "/render", json: """
                {"key": "customer-42", "variables": {"customer_name": "Ana", "ticket": "Where is my order?", "order_count": 3}}
                """)
            #expect(response.status == .ok, "\(response.text)")
            let body = response.object
            #expect(body["version"] as? Int == 1)
            #expect(body["variant"] as? String == "stable")
            let messages = body["messages"] as? [[String: String]] ?? []
            #expect(messages == [
                ["role": "system", "content": "You speak for Acme: warm, brief, no jargon. Answer in a friendly tone."],
                ["role": "user", "content": "Hello Ana (3 orders): Where is my order?"],
            ])
            #expect(body["text"] == nil)
        }
    }

    @Test("render of a text template answers text")
    func renderText() async throws {
        try await TestServer(try ServedStore(Manifests.repository())).run { client in
            let response = try await client.post(Self.tagline + "/render", json: #"{"variables": {"campaign": "Trail \"Days\"", "playful": true}}"#)
            #expect(response.status == .ok)
            #expect(response.object["text"] as? String == "Tagline for Trail \"Days\". Puns welcome.")
            #expect(response.object["messages"] == nil)
        }
    }

    @Test("contract violations are 400 invalid_variables naming the input",
          arguments: [
              (#"{"variables": {"ticket": "t"}}"#, "customer_name"),
              (#"{"variables": {"customer_name": "Ana", "ticket": "t", "extra": 1}}"#, "extra"),
              (#"{"variables": {"customer_name": 7, "ticket": "t"}}"#, "customer_name"),
              (#"{"variables": {"customer_name": "Ana", "ticket": "t", "tone": "angry"}}"#, "tone"),
              (#"{"variables": {"customer_name": "Ana", "ticket": "t", "order_count": 2.5}}"#, "order_count"),
              (#"{"variables": {"customer_name": "A name far longer than twenty", "ticket": "t"}}"#, "customer_name"),
          ])
    func contractViolations(body: String, input: String) async throws {
        try await TestServer(try ServedStore(Manifests.repository())).run { client in
            let response = try await client.post(Self.reply + "/render", json: body)
            #expect(response.status == .badRequest)
            #expect(response.errorCode == "invalid_variables")
            #expect(response.errorMessage.contains("'\(input)'"), "\(response.errorMessage)")
            let violations = (response.object["error"] as? [String: Any])?["violations"] as? [[String: String]] ?? []
            #expect(violations.contains { $0["input"] == input })
        }
    }

    @Test("bodies that are not a render request are 400 with a code",
          arguments: [
              ("{not json", "invalid_json"),
              ("[1, 2]", "invalid_body"),
              (#"{"variables": [1]}"#, "invalid_body"),
              (#"{"vars": {}}"#, "invalid_body"),
              (#"{"key": {"a": 1}, "variables": {}}"#, "invalid_body"),
              (#"{"variables": {"a": 1, "a": 2}}"#, "invalid_json"),
          ])
    func badBodies(body: String, code: String) async throws {
        try await TestServer(try ServedStore(Manifests.repository())).run { client in
            let response = try await client.post(Self.reply + "/render", json: body)
            #expect(response.status == .badRequest)
            #expect(response.errorCode == code, "\(response.text)")
        }
    }

    @Test("a body over maxBodyBytes is 413; the connection stays usable")
    func bodyTooLarge() async throws {
        var server = TestServer(try ServedStore(Manifests.repository()))
        server.maxBodyBytes = 1024
        try await server.run { client in
            let ticket = String(repeating: "x", count: 4096)
            let response = try await client.post(Self.reply + "/render", json: #"{"variables": {"customer_name": "Ana", "ticket": "\#(ticket)"}}"#)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorCode == "body_too_large")
            #expect(try await client.get("/healthz").status == .ok)
        }
    }

    @Test("render of an unknown Deployment is 404")
    func renderUnknown() async throws {
        try await TestServer(try ServedStore(Manifests.repository())).run { client in
            let response = try await client.post("/api/v1/namespaces/support/deployments/nope/render", json: #"{"variables": {}}"#)
            #expect(response.status == .notFound)
            #expect(response.errorCode == "deployment_not_found")
        }
    }

    @Test("each version is compiled once and reused; a new version compiles once more when it becomes served")
    func compiledOnce() async throws {
        let served = try ServedStore(Manifests.repository())
        let server = TestServer(served)
        let body = #"{"variables": {"customer_name": "Ana", "ticket": "Hi"}}"#
        try await server.run { client in
            // The first request builds the table, which compiles every served version.
            #expect(try await client.post(Self.reply + "/render", json: body).status == .ok)
            let warmed = server.snapshot.compileCount
            #expect(warmed >= 1)
            for _ in 0..<3 {
                #expect(try await client.post(Self.reply + "/render", json: body).status == .ok)
            }
            #expect(server.snapshot.compileCount == warmed, "renders compile nothing")

            try served.apply(Manifests.repository(greeting: "Hi"), revision: ServedStore.revision(2))
            try server.snapshot.refresh()
            let response = try await client.post(Self.reply + "/render", json: body)
            #expect(response.object["version"] as? Int == 2)
            let messages = response.object["messages"] as? [[String: String]] ?? []
            #expect(messages.last?["content"] == "Hi Ana (0 orders): Hi")
            #expect(server.snapshot.compileCount == warmed + 1, "compiled when it became served, before any render")
            #expect(try await client.post(Self.reply + "/render", json: body).status == .ok)
            #expect(server.snapshot.compileCount == warmed + 1)
            let resolved = try await client.get(Self.reply + "/resolve?key=k").object
            #expect(resolved["version"] as? Int == 2)
        }
    }

    @Test("without invalidate(), a change in the store shows once the snapshot's max age passed")
    func snapshotNoticesChanges() async throws {
        let served = try ServedStore(Manifests.repository())
        let server = TestServer(served, snapshotMaxAge: .milliseconds(1))
        try await server.run { client in
            #expect(try await client.get(Self.reply + "/resolve").object["version"] as? Int == 1)
            try await Task.sleep(for: .milliseconds(5))
            #expect(try await client.get(Self.reply + "/resolve").object["version"] as? Int == 1)
            #expect(server.snapshot.loadCount == 1, "an unchanged store is not reloaded")

            var removed = Manifests.repository(greeting: "Hi")
            removed["support/deployments.yaml"] = Manifests.deployments.components(separatedBy: "---")[0]
            try served.apply(removed, revision: ServedStore.revision(2))
            // Shows once the max age passed: at once on an idle machine, later on a loaded one
            // (the refresh runs off the request path); waits up to 5 s rather than 5 ms.
            var version: Int?
            let deadline = ContinuousClock.now + .seconds(5)
            repeat {
                try await Task.sleep(for: .milliseconds(5))
                version = try await client.get(Self.reply + "/resolve").object["version"] as? Int
            } while version != 2 && ContinuousClock.now < deadline
            #expect(version == 2)
            #expect(try await client.get(Self.tagline + "/resolve").status == .notFound, "a pruned Deployment stops resolving")
        }
    }
}

@Suite("Bounded renders")
struct BoundedRenderTests {
    static let files = [
        "shop/fanout.yaml": """
            apiVersion: promptops.dev/v1alpha1
            kind: PromptTemplate
            metadata: {name: fanout, namespace: shop}
            spec:
              inputs:
                items: {type: array, items: {type: string}}
                x: {type: string}
              text: "{{#items}}{{#items}}{{#items}}{{x}}{{/items}}{{/items}}{{/items}}"
            ---
            apiVersion: promptops.dev/v1alpha1
            kind: Deployment
            metadata: {name: fanout, namespace: shop}
            spec: {template: fanout}
            """,
        "shop/spin.yaml": """
            apiVersion: promptops.dev/v1alpha1
            kind: PromptTemplate
            metadata: {name: spin, namespace: shop}
            spec:
              inputs:
                items: {type: array, items: {type: string}}
              text: "{{#items}}{{#items}}{{#items}}{{#items}}{{/items}}{{/items}}{{/items}}{{/items}}done"
            ---
            apiVersion: promptops.dev/v1alpha1
            kind: Deployment
            metadata: {name: spin, namespace: shop}
            spec: {template: spin}
            """,
    ]

    @Test("a render past the output cap is a quick 422, never a truncated 200; a small one renders")
    func outputCap() async throws {
        let served = try ServedStore(Self.files)
        try await TestServer(served).run { client in
            let items = "[" + Array(repeating: "\"i\"", count: 60).joined(separator: ",") + "]"
            let big = try await client.post("/api/v1/namespaces/shop/deployments/fanout/render",
                                            json: #"{"variables": {"items": \#(items), "x": "0123456789"}}"#)
            #expect(big.status == .unprocessableContent, "\(big.status) \(big.text.prefix(200))")
            #expect(big.errorCode == "render_limit_exceeded" && big.errorMessage.contains("larger than 1048576 bytes"), "\(big.text.prefix(300))")
            let small = try await client.post("/api/v1/namespaces/shop/deployments/fanout/render",
                                              json: #"{"variables": {"items": ["a", "b"], "x": "y"}}"#)
            #expect(small.status == .ok, "\(small.text)")
            #expect(small.text.contains("yyyyyyyy"))
            // Work without output (60⁴ empty iterations) stops at the step budget, as an error.
            let spin = try await client.post("/api/v1/namespaces/shop/deployments/spin/render", json: #"{"variables": {"items": \#(items)}}"#)
            #expect(spin.status == .unprocessableContent && spin.errorMessage.contains("template steps"), "\(spin.text.prefix(300))")
        }
    }

    @Test("the render caps are configurable: a lower byte cap refuses what the default serves")
    func configuredCap() async throws {
        var server = TestServer(try ServedStore(Self.files))
        server.renderLimits = RenderLimits(maximumBytes: 4_096, maximumSteps: 2_000_000)
        try await server.run { client in
            let items = "[" + Array(repeating: "\"i\"", count: 8).joined(separator: ",") + "]"
            let answer = try await client.post("/api/v1/namespaces/shop/deployments/fanout/render",
                                               json: #"{"variables": {"items": \#(items), "x": "0123456789"}}"#)
            #expect(answer.status == .unprocessableContent && answer.errorMessage.contains("larger than 4096 bytes"), "\(answer.text.prefix(200))")
        }
        try await TestServer(try ServedStore(Self.files)).run { client in
            let items = "[" + Array(repeating: "\"i\"", count: 8).joined(separator: ",") + "]"
            let answer = try await client.post("/api/v1/namespaces/shop/deployments/fanout/render",
                                               json: #"{"variables": {"items": \#(items), "x": "0123456789"}}"#)
            #expect(answer.status == .ok)
        }
    }
}
