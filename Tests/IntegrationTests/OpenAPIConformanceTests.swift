import Foundation
import Testing

/// The published OpenAPI document (`manifests/openapi.yaml`) checked against the answers of a
/// real controller: `hack/lib/openapi-check.py` calls every operation with valid and invalid
/// input and validates status, media type, headers and body against the spec (JSON Schema
/// 2020-12, Debian's python3-jsonschema).
@Suite("OpenAPI document against the live server", .serialized)
struct OpenAPIConformanceTests {
    /// The quickstart example committed to a fresh repository.
    static func quickstart() throws -> GitWorkspace {
        let workspace = try GitWorkspace()
        let root = CommandLineTests.packageRoot.appendingPathComponent("examples/quickstart")
        var files: [String: String?] = [:]
        let walker = FileManager.default.enumerator(atPath: root.path)
        while let relative = walker?.nextObject() as? String {
            guard relative.hasSuffix(".yaml") else { continue }
            files[relative] = try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
        }
        _ = try workspace.commit(files, message: "quickstart")
        return workspace
    }

    static func check(port: Int, arguments: [String] = []) throws -> (Int32, String) {
        let script = CommandLineTests.packageRoot.appendingPathComponent("hack/lib/openapi-check.py").path
        return try runCommand("/usr/bin/python3", [script, "http://127.0.0.1:\(port)", "--strict-paging"] + arguments)
    }

    @Test func anOpenEndpointAnswersAsTheSpecSays() async throws {
        let workspace = try Self.quickstart()
        let port = freePort()
        let controller = try ControllerProcess(config: GitAccessTests.config(port: port, store: workspace.path("store.db"), sources: """
              - name: prompts
                url: \(workspace.repo.path)
                interval: 1h
            """), dir: workspace.path(""), port: port)
        defer { controller.stop() }
        #expect(await controller.waitForJSON("/api/v1/status") { ($0["namespaces"] as? [Any])?.count == 2 } != nil)
        let (code, output) = try Self.check(port: port)
        #expect(code == 0, "\(output.split(separator: "\n").filter { !$0.hasPrefix("PASS") }.joined(separator: "\n"))")
        #expect(output.contains(" 0 failed"))
    }

    @Test func aTokenEndpointWithAWebhookAnswersAsTheSpecSays() async throws {
        let workspace = try Self.quickstart()
        let port = freePort()
        let token = "openapi-\(UUID().uuidString)"
        let digest = try runCommand("/bin/sh", ["-c", "printf %s '\(token)' | sha256sum | cut -c1-64"]).1.trimmingCharacters(in: .whitespacesAndNewlines)
        let controller = try ControllerProcess(config: GitAccessTests.config(port: port, store: workspace.path("store.db"), sources: """
              - name: prompts
                url: \(workspace.repo.path)
                interval: 1h
                webhook: {secret: {fromEnv: HOOK_SECRET}}
            access:
              tokens:
                - {name: admin, sha256: \(digest), namespaces: ["*"], scopes: [read, render, audit, metrics]}
            """), dir: workspace.path(""), port: port, environment: ["HOOK_SECRET": "hook-secret-openapi"])
        defer { controller.stop() }
        #expect(await waitForPort(port))
        try await Task.sleep(for: .seconds(2))
        let (code, output) = try Self.check(port: port, arguments: ["--token", token, "--webhook-secret", "hook-secret-openapi"])
        #expect(code == 0, "\(output.split(separator: "\n").filter { !$0.hasPrefix("PASS") }.joined(separator: "\n"))\n\(controller.log.suffix(2000))")
        #expect(!output.contains(token), "the checker never prints the token")
    }
}
