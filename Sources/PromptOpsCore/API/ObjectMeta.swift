/// The identity of an object: kind, namespace and name.
public struct ObjectKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `PromptTemplate`, `Deployment` or `Policy`.
    public var kind: String
    /// The tenant.
    public var namespace: String
    /// The name, unique per kind and namespace.
    public var name: String

    /// Creates a key.
    public init(kind: String, namespace: String, name: String) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// `Kind namespace/name`.
    public var description: String { "\(kind) \(namespace)/\(name)" }

    /// Orders by namespace, kind, name.
    public static func < (a: ObjectKey, b: ObjectKey) -> Bool {
        (a.namespace, a.kind, a.name) < (b.namespace, b.kind, b.name)
    }
}

/// Metadata common to every kind.
public struct ObjectMeta: Sendable, Hashable {
    /// The name.
    public var name: String
    /// The namespace ("default" when not written).
    public var namespace: String
    /// Labels.
    public var labels: [String: String]
    /// Annotations.
    public var annotations: [String: String]

    /// Creates metadata.
    public init(name: String, namespace: String = "default", labels: [String: String] = [:], annotations: [String: String] = [:]) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
    }
}

extension LocatedValue {
    /// The node at a path of object keys, or nil.
    public func at(_ keys: String...) -> LocatedValue? {
        var node: LocatedValue? = self
        for key in keys { node = node?[key] }
        return node
    }

    /// A string-to-string map, or empty.
    var stringMap: [String: String] {
        var out: [String: String] = [:]
        for member in members ?? [] { if let s = member.value.string { out[member.key] = s } }
        return out
    }
}
