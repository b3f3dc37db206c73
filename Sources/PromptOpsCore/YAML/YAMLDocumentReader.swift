import Foundation
import Yams

/// Turns the bytes of one manifest file into located YAML documents, or diagnostics.
/// It never throws and never crashes: every failure is a diagnostic on the file.
public struct YAMLDocumentReader: Sendable {
    /// The limits applied.
    public var limits: ManifestLimits

    /// Creates a reader with the given limits.
    public init(limits: ManifestLimits = .standard) {
        self.limits = limits
    }

    /// The documents of a file, each as a located value, plus problems found.
    public func read(_ bytes: [UInt8], path: String) -> (documents: [LocatedValue], diagnostics: [Diagnostic]) {
        let fileStart = SourceLocation(path: path, line: 1, column: 1)
        if bytes.count > limits.maxFileBytes {
            return ([], [Diagnostic(.error, at: fileStart,
                "file is larger than \(limits.maxFileBytes) bytes, the limit for one manifest file; split it into several files")])
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let at = Self.firstInvalidUTF8(in: bytes)
            return ([], [Diagnostic(.error, at: SourceLocation(path: path, line: at.line, column: at.column),
                "file is not valid UTF-8 (invalid byte sequence here); save it as UTF-8")])
        }
        if let v = NestingPrescan.firstViolation(in: bytes, maxDepth: limits.maxDepth) {
            return ([], [Diagnostic(.error, at: SourceLocation(path: path, line: v.line, column: v.column),
                "YAML nesting is deeper than \(limits.maxDepth) levels; manifests are limited to that depth")])
        }
        var documents: [LocatedValue] = []
        var diagnostics: [Diagnostic] = []
        do {
            let lines = SourceLines(bytes)
            let parser = try Parser(yaml: text, resolver: .basic, constructor: .default, encoding: .utf8)
            while let node = try parser.nextRoot() {
                if documents.count >= limits.maxDocumentsPerFile {
                    diagnostics.append(Diagnostic(.error, at: fileStart,
                        "file has more than \(limits.maxDocumentsPerFile) documents; split it"))
                    break
                }
                var converter = NodeConverter(path: path, limits: limits, sourceLines: lines)
                if let value = converter.convert(node, depth: 1) {
                    documents.append(value)
                }
                diagnostics += converter.diagnostics
            }
        } catch let error as YamlError {
            diagnostics.append(Self.diagnostic(for: error, path: path, text: text))
        } catch {
            diagnostics.append(Diagnostic(.error, at: fileStart, "cannot parse YAML: \(error)"))
        }
        return (documents, diagnostics)
    }

    /// Maps a Yams error to a diagnostic at its mark.
    static func diagnostic(for error: YamlError, path: String, text: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = "YAML syntax error: \(problem)"
            if let context { message += " (\(context.text))" }
            return Diagnostic(.error, at: SourceLocation(path: path, line: mark.line, column: mark.column), message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the first occurrence; point at the repeat, naming where the first is.
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            let first = (line: context.mark.line, column: context.mark.column)
            guard let key = duplicates.first,
                  let second = DuplicateKeyLocator.secondOccurrence(of: key, line: first.line, column: first.column, in: text)
            else {
                return Diagnostic(.error, at: SourceLocation(path: path, line: first.line, column: first.column),
                    "duplicate key \(names) in the same mapping; each key may appear once")
            }
            return Diagnostic(.error, at: SourceLocation(path: path, line: second.line, column: second.column),
                "duplicate key \(names) in the same mapping (first at line \(first.line), column \(first.column)); each key may appear once")
        case .reader(let problem, _, let offset, _):
            return Diagnostic(.error, at: SourceLocation(path: path, line: 1, column: 1),
                "cannot read YAML: \(problem) at byte \(offset)")
        default:
            return Diagnostic(.error, at: SourceLocation(path: path, line: 1, column: 1), "cannot parse YAML: \(error)")
        }
    }

    /// Line and column (1-based) of the first byte that breaks UTF-8.
    static func firstInvalidUTF8(in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length: Int
            switch b {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return (line, i - lineStart + 1)
            }
            if i + length > bytes.count { return (line, i - lineStart + 1) }
            if length > 1, String(validating: bytes[i..<(i + length)], as: UTF8.self) == nil {
                return (line, i - lineStart + 1)
            }
            if b == 0x0A { line += 1; lineStart = i + 1 }
            i += length
        }
        return (line, 1)
    }
}
