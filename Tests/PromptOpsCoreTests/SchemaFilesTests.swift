import Foundation
import Testing
@testable import PromptOpsCore

@Suite("Published JSON Schemas")
struct SchemaFilesTests {
    @Test(arguments: APISchemas.kinds + [ControllerConfigSchema.kind])
    func committedSchemaIsUpToDate(kind: String) throws {
        let url = packageRoot.appendingPathComponent("manifests").appendingPathComponent(JSONSchemaWriter.fileName(kind: kind))
        let committed = try String(contentsOf: url, encoding: .utf8)
        #expect(committed == JSONSchemaWriter.schema(kind: kind),
                "manifests/\(JSONSchemaWriter.fileName(kind: kind)) is out of date; run: swift run promptops schema --output manifests")
    }

    @Test func referenceManifestsValidate() throws {
        // manifests/deploy/ holds systemd and Kubernetes files for running the controller, and
        // openapi.yaml describes the HTTP API: neither is a prompt manifest.
        let files = try ManifestFileCollector.collect([packageRoot.appendingPathComponent("manifests").path])
            .filter { !$0.path.contains("/deploy/") && !$0.path.hasSuffix("/openapi.yaml") }
        #expect(files.count == 3)
        let result = ManifestValidator().validate(ManifestLoader().load(files))
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
    }
}
