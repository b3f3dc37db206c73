import Foundation
@testable import PromptOpsCore

/// Loads and validates in-memory files, the way `validate` does after reading them.
func validate(_ files: [String: String]) -> ManifestValidator.Result {
    let list = files.keys.sorted().map { ManifestFile(path: $0, bytes: Array(files[$0]!.utf8)) }
    return ManifestValidator().validate(ManifestLoader().load(list))
}

/// Diagnostics as `path:line:col: severity: message` lines.
func lines(_ result: ManifestValidator.Result) -> [String] { result.diagnostics.map(\.description) }

/// The package root, found from this file's path.
let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A minimal valid text template document.
func textTemplate(_ name: String, namespace: String = "default", text: String, inputs: String = "{}", extra: String = "") -> String {
    """
    apiVersion: promptops.dev/v1alpha1
    kind: PromptTemplate
    metadata: {name: \(name), namespace: \(namespace)}
    spec:
      inputs: \(inputs)
      text: \(text)
    \(extra)
    """
}
