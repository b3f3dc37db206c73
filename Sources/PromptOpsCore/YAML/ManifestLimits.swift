/// Bounds that keep a hostile or broken file from costing unbounded time or memory.
/// Every limit, when hit, becomes a diagnostic on the file, never a crash.
public struct ManifestLimits: Sendable, Hashable {
    /// Largest manifest file read, in bytes (1 MiB).
    public var maxFileBytes: Int = 1 << 20
    /// Deepest nesting of YAML collections.
    public var maxDepth: Int = 64
    /// Most nodes one document may expand to, counting every use of an alias (so "billion laughs" stops here).
    public var maxNodesPerDocument: Int = 100_000
    /// Most documents in one file.
    public var maxDocumentsPerFile: Int = 10_000

    /// The defaults above.
    public init() {}

    /// The defaults, named.
    public static let standard = ManifestLimits()
}
