import Crypto

/// Version identity: a template's effective content is its spec plus the effective content
/// of every module it includes, transitively, so a change to a shared module changes the
/// hash of every template that uses it.
public enum EffectiveContent {
    /// SHA-256 (hex) of the canonical JSON of a template's own spec.
    public static func ownHash(_ template: PromptTemplate) -> String {
        template.origin.specHash
    }

    /// SHA-256 (hex) of a string's UTF-8 bytes.
    public static func sha256Hex(_ text: String) -> String {
        var text = text
        return text.withUTF8 { hex(SHA256.hash(data: $0)) }
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
            out[name] = sha256Hex(material)
        }
        return out
    }

    static func hex<D: Digest>(_ digest: D) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
