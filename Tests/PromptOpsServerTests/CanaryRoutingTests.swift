import Foundation
import PromptOpsCore
@testable import PromptOpsServer
import PromptOpsStore
import Testing

/// The store cannot hold a canary through the pipeline until rollouts write one, so the
/// routing of a snapshot entry is checked directly against `TrafficSplit`.
@Suite("Canary routing of a served Deployment")
struct CanaryRoutingTests {
    static func status(canaryWeight: Int?) -> DeploymentStatus {
        DeploymentStatus(
            namespace: "support", name: "support-reply-prod", template: "support-reply", strategy: "Canary", environment: nil,
            phase: canaryWeight == nil ? "Healthy" : "Progressing", stable: VersionRef(version: 3, hash: String(repeating: "a", count: 64)),
            canary: canaryWeight.map { CanaryState(version: 4, hash: String(repeating: "b", count: 64), weight: $0, step: 0) },
            revision: "r", updatedAt: Date())
    }

    @Test("keys follow TrafficSplit, sticky, and the answer names the variant's version")
    func followsTrafficSplit() throws {
        let entry = ServingSnapshot.Entry(Self.status(canaryWeight: 30))
        var canaries = 0
        for i in 0..<1000 {
            let key = "customer-\(i)"
            let served = entry.serving(key: key)
            let bucket = TrafficSplit.bucket(key: key, namespace: "support", deployment: "support-reply-prod")
            let expected: TrafficSplit.Variant = TrafficSplit.isCanary(bucket: bucket, weight: 30) ? .canary : .stable
            #expect(served.variant == expected)
            #expect(entry.serving(key: key).variant == served.variant, "sticky")
            #expect(served.version.version == (expected == .canary ? 4 : 3))
            let answer = try JSONSerialization.jsonObject(with: Data(served.resolveBody.readableBytesView)) as? [String: Any] ?? [:]
            #expect(answer["variant"] as? String == expected.rawValue)
            #expect(answer["version"] as? Int == served.version.version)
            if expected == .canary { canaries += 1 }
        }
        #expect((200...400).contains(canaries), "about 30% of keys: \(canaries)")
    }

    @Test("without a canary, or at weight 0, every key gets stable")
    func stableOnly() {
        for weight in [nil, 0] {
            let entry = ServingSnapshot.Entry(Self.status(canaryWeight: weight))
            for key in ["a", "b", nil] {
                #expect(entry.serving(key: key).variant == .stable)
                #expect(entry.serving(key: key).version.version == 3)
            }
        }
    }
}
