/// Copies that own fresh heap storage rather than sharing the original's.
///
/// A value a controller keeps between passes (a compacted template, a file's Deployments) is
/// first made among a large pass's temporaries (file bytes, YAML trees); sharing their
/// storage would keep it there, each survivor pinning a page of freed memory for as long as
/// the controller runs. Copied while the controller's long-lived arena is the thread's (see
/// `LongLivedHeap`), the copies are packed together instead.
public enum FreshStorage {
    /// `text` in storage of its own (short strings live inside the value itself).
    public static func string(_ text: String) -> String {
        text.utf8.count <= 15 ? text : String(unsafeUninitializedCapacity: text.utf8.count) { buffer in
            _ = buffer.initialize(from: text.utf8)
            return text.utf8.count
        }
    }

    /// `map` with its table, keys and values in storage of their own.
    public static func map(_ map: [String: String]) -> [String: String] {
        if map.isEmpty { return map }
        var out: [String: String] = [:]
        out.reserveCapacity(map.count)
        for (key, value) in map { out[string(key)] = string(value) }
        return out
    }

    /// `elements` in an array of its own, exactly as long.
    public static func array<Element>(_ elements: [Element]) -> [Element] {
        if elements.isEmpty { return [] }
        return [Element](unsafeUninitializedCapacity: elements.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: elements)
        }
    }
}
