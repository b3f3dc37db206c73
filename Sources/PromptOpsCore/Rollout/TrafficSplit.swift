import Crypto

/// Deterministic, sticky split of request keys between a Deployment's stable and canary versions.
///
/// A key is hashed with the Deployment's identity into one of ``bucketCount`` buckets; the key
/// goes to the canary when its bucket is below `weight × 100`. Raising the weight therefore only
/// adds keys to the canary and never moves one back. The hash is SHA-256 (not Swift's `Hasher`,
/// which is seeded per process), so every process and platform agrees on every key.
public enum TrafficSplit {
    /// Which version serves a request.
    public enum Variant: String, Sendable, Hashable, Codable, CaseIterable {
        /// The stable version.
        case stable
        /// The canary version.
        case canary
    }

    /// Number of buckets; a weight of 1 % is 100 buckets.
    public static let bucketCount = 10_000

    /// The bucket (0..<10,000) of `key` for the Deployment `namespace/deployment`.
    ///
    /// The first 8 bytes of SHA-256 over a versioned, unambiguous encoding of the identity and
    /// the key, read big-endian, modulo 10,000 (the modulo bias is below 10⁻¹⁵).
    public static func bucket(key: String, namespace: String, deployment: String) -> Int {
        // Names are DNS-1123 labels (no "/" or newline), so this encoding is unambiguous for any key.
        let material = "promptops/split/v1\n\(namespace)/\(deployment)\n\(key)"
        let digest = SHA256.hash(data: Array(material.utf8))
        var prefix: UInt64 = 0
        for byte in digest.prefix(8) { prefix = prefix << 8 | UInt64(byte) }
        return Int(prefix % UInt64(bucketCount))
    }

    /// Whether `bucket` is routed to the canary at `weight` percent (clamped to 0…100).
    public static func isCanary(bucket: Int, weight: Int) -> Bool {
        bucket < min(max(weight, 0), 100) * 100
    }

    /// The variant serving a request: by the key's bucket, or at random when there is no key.
    /// - Parameters:
    ///   - key: The caller's stable request key (user, session, ticket); nil picks at random.
    ///   - weight: The canary weight in percent.
    ///   - random: The random source used only when `key` is nil.
    public static func variant(
        key: String?, namespace: String, deployment: String, weight: Int,
        random: inout some RandomNumberGenerator
    ) -> Variant {
        let b = key.map { bucket(key: $0, namespace: namespace, deployment: deployment) }
            ?? Int.random(in: 0..<bucketCount, using: &random)
        return isCanary(bucket: b, weight: weight) ? .canary : .stable
    }
}
