import Crypto

/// Version identity: a template's effective content is its spec plus the effective content
/// of every module it includes, transitively, so a change to a shared module changes the
/// hash of every template that uses it.
public enum EffectiveContent {
    /// SHA-256 (hex) of the canonical JSON of a template's own spec.
    public static func ownHash(_ template: PromptTemplate) -> String {
        hex(SHA256.hash(data: Array(CanonicalJSON.encode(template.document["spec"] ?? template.document).utf8)))
    }

    /// The effective hash of every template in `namespace`.
    public static func hashes(_ namespace: CompiledNamespace) -> [String: String] {
        var own: [String: String] = [:]
        for (name, entry) in namespace.entries { own[name] = ownHash(entry.template) }
        var out: [String: String] = [:]
        for name in namespace.entries.keys {
            let modules = namespace.transitiveIncludes(of: name)
            // The transitive closure is flattened and sorted, so the hash does not depend on
            // include order; each module contributes its own content once.
            var material = "promptops/v1alpha1/template\n\(own[name]!)\n"
            for module in modules.sorted() {
                material += "\(module)=\(own[module] ?? "missing")\n"
            }
            out[name] = hex(SHA256.hash(data: Array(material.utf8)))
        }
        return out
    }

    static func hex<D: Digest>(_ digest: D) -> String {
        digest.map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }
}
