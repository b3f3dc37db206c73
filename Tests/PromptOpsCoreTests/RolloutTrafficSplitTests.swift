import Testing
@testable import PromptOpsCore

@Suite("Rollout: traffic split")
struct RolloutTrafficSplitTests {
    static let keys = (0..<100_000).map { "user-\($0)" }
    /// The buckets of ``keys`` for the reference Deployment, computed once for every test.
    static let referenceBuckets = buckets("support-reply-prod")

    static func buckets(_ deployment: String) -> [Int] {
        keys.map { TrafficSplit.bucket(key: $0, namespace: "support", deployment: deployment) }
    }

    @Test("buckets are pinned: the same on every process and platform (independent SHA-256 vectors)",
          arguments: [("support", "support-reply-prod", "user-42", 8973),
                      ("default", "web", "", 6353),
                      ("support", "support-reply-prod", "ключ-🙂", 7580)])
    func pinnedBuckets(namespace: String, deployment: String, key: String, bucket: Int) {
        #expect(TrafficSplit.bucket(key: key, namespace: namespace, deployment: deployment) == bucket)
    }

    @Test func weightTenRoutesTenPercentOfKeys() {
        let buckets = Self.referenceBuckets
        #expect(buckets.allSatisfy { (0..<TrafficSplit.bucketCount).contains($0) })
        let share = Double(buckets.filter { TrafficSplit.isCanary(bucket: $0, weight: 10) }.count) / Double(buckets.count)
        #expect(abs(share - 0.10) <= 0.005, "canary share \(share)")
    }

    @Test("raising the weight only adds keys", arguments: [(10, 50), (1, 2), (50, 99), (0, 100)])
    func monotonic(lower: Int, higher: Int) {
        for bucket in Self.referenceBuckets.prefix(20_000) where TrafficSplit.isCanary(bucket: bucket, weight: lower) {
            #expect(TrafficSplit.isCanary(bucket: bucket, weight: higher))
        }
    }

    @Test("weight 0 routes no key, 100 every key", arguments: [(0, false), (100, true), (-5, false), (120, true)])
    func extremes(weight: Int, everyKeyIsCanary: Bool) {
        #expect(Self.referenceBuckets.prefix(10_000).allSatisfy { TrafficSplit.isCanary(bucket: $0, weight: weight) == everyKeyIsCanary })
    }

    @Test func differentDeploymentsSplitIndependently() {
        let a = Self.referenceBuckets.map { TrafficSplit.isCanary(bucket: $0, weight: 10) }
        let b = Self.buckets("support-reply-staging").map { TrafficSplit.isCanary(bucket: $0, weight: 10) }
        let both = zip(a, b).filter { $0 && $1 }.count
        // Independent 10 % splits share about 1 % of keys; the same split would share 10 %.
        let share = Double(both) / Double(a.count)
        #expect(abs(share - 0.01) <= 0.002, "keys canary in both: \(share)")
    }

    @Test func keyedVariantIsStickyAndIgnoresTheRandomSource() {
        var random = SystemRandomNumberGenerator()
        let first = TrafficSplit.variant(key: "ticket-7", namespace: "support", deployment: "d", weight: 30, random: &random)
        for _ in 0..<50 {
            #expect(TrafficSplit.variant(key: "ticket-7", namespace: "support", deployment: "d", weight: 30, random: &random) == first)
        }
    }

    @Test func keylessVariantIsRandomAtTheWeight() {
        var random = RolloutSeededRandom(seed: 7)
        let picks = (0..<20_000).map { _ in
            TrafficSplit.variant(key: nil, namespace: "support", deployment: "d", weight: 25, random: &random)
        }
        let share = Double(picks.filter { $0 == .canary }.count) / Double(picks.count)
        #expect(abs(share - 0.25) <= 0.02)
        #expect(TrafficSplit.variant(key: nil, namespace: "s", deployment: "d", weight: 0, random: &random) == .stable)
        #expect(TrafficSplit.variant(key: nil, namespace: "s", deployment: "d", weight: 100, random: &random) == .canary)
    }
}

/// A seeded generator, so keyless tests are repeatable.
struct RolloutSeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
