/// A template reduced to what identifies it: its metadata, where it is written, and the
/// canonical JSON of its spec (the bytes its version hash is computed over). A controller
/// keeps every template of a repository between passes in this form (about a quarter of
/// the typed form's memory) and re-derives the typed template with ``expand()`` for the
/// namespaces a commit touches.
///
/// The re-derived template has every position at the start of its document (JSON text
/// has no place in the YAML file), so whoever reports its problems parses the file again
/// for exact positions (see ``ManifestSet/expand(namespaces:)``).
public final class CompactTemplate: Sendable {
    /// Identity and labels.
    public let meta: ObjectMeta
    /// The start of the document in its file.
    public let location: SourceLocation
    /// Canonical JSON of `spec`, kept deflated (``DeflatedText``).
    private let spec: DeflatedText

    /// Canonical JSON of `spec` (inflated on each read: read it once per use); "" only if the
    /// kept bytes do not inflate, which ``expand()`` reports as nil.
    public var specJSON: String { spec.text ?? "" }

    /// Compacts a typed template. The strings kept are copied, not shared: the originals
    /// were allocated among the parser's temporaries, and one small survivor there would
    /// keep a whole page of freed memory resident for as long as the controller runs.
    /// Equal label and annotation maps are stored once across the templates compacted with
    /// the same `maps` (see ``SharedMaps``); its location's path shares `path`'s storage
    /// when equal (the file's path as the controller keeps it).
    public init(_ template: PromptTemplate, sharing maps: inout SharedMaps, path: String? = nil) {
        let meta = template.meta
        self.meta = ObjectMeta(name: FreshStorage.string(meta.name), namespace: FreshStorage.string(meta.namespace),
                               labels: maps.share(meta.labels), annotations: maps.share(meta.annotations))
        var location = template.origin.location
        location.path = location.path == path ? path! : FreshStorage.string(location.path)
        self.location = location
        spec = DeflatedText(template.origin.specJSON)
    }

    /// A compacted template from its parts (a template the store serves: its canonical spec).
    public init(meta: ObjectMeta, location: SourceLocation, specJSON: String) {
        self.meta = meta
        self.location = location
        spec = DeflatedText(specJSON)
    }

    /// Compacts a typed template on its own (no maps shared with other templates).
    public convenience init(_ template: PromptTemplate) {
        var maps = SharedMaps()
        self.init(template, sharing: &maps)
    }

    /// The file the template is written in.
    public var path: String { location.path }

    /// The object's key.
    public var key: ObjectKey { ObjectKey(kind: "PromptTemplate", namespace: meta.namespace, name: meta.name) }

    /// The typed template again: equal to the one compacted except for source positions.
    /// Nil only if ``specJSON`` was not written by ``CanonicalJSON``.
    public func expand() -> PromptTemplate? {
        let specJSON = specJSON
        guard let spec = JSONTreeReader.read(specJSON, at: location) else { return nil }
        let document = LocatedValue(.object([LocatedValue.Member(key: "spec", keyLocation: location, value: spec)]), at: location)
        return ManifestDecoder.template(meta: meta, spec: spec, document: document, specJSON: specJSON)
    }
}

/// Label and annotation maps, each stored once: the templates of a team often carry the same
/// labels, and every map is a heap object of its own (about 200 bytes) in each of the
/// templates a controller keeps between passes (hack/bench/sync's 10,000 templates: 2.0 MB).
public struct SharedMaps {
    private var seen: Set<[String: String]> = []

    public init() {}

    /// An equal map seen before, else a copy of `map` (fresh storage, as ``CompactTemplate``
    /// keeps every string it holds) that later equal maps share.
    public mutating func share(_ map: [String: String]) -> [String: String] {
        if map.isEmpty { return map }
        if let index = seen.firstIndex(of: map) { return seen[index] }
        let copy = FreshStorage.map(map)
        seen.insert(copy)
        return copy
    }
}
