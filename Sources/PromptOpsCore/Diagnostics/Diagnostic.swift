/// How serious a problem is: errors block applying a namespace, warnings do not.
public enum Severity: String, Sendable, Hashable, Codable {
    case error
    case warning
}

/// One problem found in the manifests, with where it is and the object it concerns.
public struct Diagnostic: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Where the offending node is.
    public var location: SourceLocation
    /// Error or warning.
    public var severity: Severity
    /// A sentence a person can act on.
    public var message: String
    /// Kind of the object concerned, when known.
    public var kind: String?
    /// Name of the object concerned, when known.
    public var name: String?
    /// Namespace of the object concerned, when known.
    public var namespace: String?

    /// Creates a diagnostic.
    public init(
        _ severity: Severity, at location: SourceLocation, _ message: String,
        kind: String? = nil, name: String? = nil, namespace: String? = nil
    ) {
        self.location = location
        self.severity = severity
        self.message = message
        self.kind = kind
        self.name = name
        self.namespace = namespace
    }

    /// `path:line:col: error: message`.
    public var description: String { "\(location): \(severity.rawValue): \(message)" }

    /// Returns a copy attributed to the given object.
    public func concerning(kind: String?, name: String?, namespace: String?) -> Diagnostic {
        var copy = self
        copy.kind = copy.kind ?? kind
        copy.name = copy.name ?? name
        copy.namespace = copy.namespace ?? namespace
        return copy
    }
}

extension Array where Element == Diagnostic {
    /// True when any element is an error.
    public var hasErrors: Bool { contains { $0.severity == .error } }

    /// Sorted by path, line, column, then message, for stable output.
    public func sortedByLocation() -> [Diagnostic] {
        sorted {
            ($0.location.path, $0.location.line, $0.location.column, $0.message)
                < ($1.location.path, $1.location.line, $1.location.column, $1.message)
        }
    }
}
