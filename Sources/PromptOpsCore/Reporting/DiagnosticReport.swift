import Foundation

/// Prints diagnostics in the contract's formats: `text` (one `path:line:col: error: message`
/// per line), `github` (workflow annotations) and `json` (an array of objects).
public enum DiagnosticReport {
    /// Output formats of `validate`.
    public enum Format: String, Sendable, CaseIterable {
        case text, json, github
    }

    /// The whole report as text ending in a newline (empty text when there is nothing to say).
    public static func render(_ diagnostics: [Diagnostic], format: Format) -> String {
        switch format {
        case .text:
            return diagnostics.map { "\($0)\n" }.joined()
        case .github:
            return diagnostics.map { d in
                let command = d.severity == .error ? "error" : "warning"
                return "::\(command) file=\(escapeProperty(d.location.path)),line=\(d.location.line),col=\(d.location.column)::\(escapeData(d.message))\n"
            }.joined()
        case .json:
            let objects: [[String: Any]] = diagnostics.map { d in
                [
                    "path": d.location.path, "line": d.location.line, "column": d.location.column,
                    "severity": d.severity.rawValue, "message": d.message,
                    "kind": d.kind ?? NSNull(), "name": d.name ?? NSNull(), "namespace": d.namespace ?? NSNull(),
                ]
            }
            let data = try! JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self) + "\n"
        }
    }

    /// GitHub workflow command data escaping.
    static func escapeData(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    /// GitHub workflow command property escaping.
    static func escapeProperty(_ s: String) -> String {
        escapeData(s).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
