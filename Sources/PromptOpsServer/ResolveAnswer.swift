import Hummingbird
import PromptOpsCore

/// The `resolve` answer: `{template, version, hash, variant}`.
enum ResolveAnswer {
    /// The answer encoded once, shared by every request that gets it.
    static func body(template: String, version: Int, hash: String, variant: TrafficSplit.Variant) -> ByteBuffer {
        var json = JSONWriter(capacity: 128 + template.utf8.count)
        json.objectStart()
        json.member("template", template)
        json.member("version", version)
        json.member("hash", hash)
        json.member("variant", variant.rawValue)
        json.objectEnd()
        return ByteBuffer(bytes: json.bytes)
    }
}
