import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import PromptOpsAnalysis
import PromptOpsController
import PromptOpsCore
import PromptOpsStore
import Testing

/// A scoring service a user would bring (the `web` metric provider reads `$.score`),
/// stood in for by a real HTTP server on 127.0.0.1 whose answer the test sets.
final class ScoreService: Sendable {
    let score = NIOLockedValueBox<Double>(0.9)

    func run<T: Sendable>(_ body: @escaping @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.get("/score") { [score] _, _ -> Response in
            let value = score.withLockedValue { $0 }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{\"score\": \(value)}")))
        }
        var logger = Logger(label: "score-service")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        return try await app.test(.live) { client in try await body(client.port!) }
    }
}

enum CanaryManifests {
    static func template(_ text: String) -> String {
        Manifests.template("greet", namespace: "shop", text: text)
    }

    static func deployment(port: Int, interval: String = "200ms") -> String {
        """
        apiVersion: promptops.dev/v1alpha1
        kind: Deployment
        metadata: {name: greet-prod, namespace: shop}
        spec:
          template: greet
          strategy:
            type: Canary
            canary:
              steps:
                - setWeight: 10
                - analysis: {}
                - setWeight: 50
                - analysis: {}
          analysis:
            interval: \(interval)
            count: 2
            failureLimit: 0
            inconclusiveLimit: 1
            metrics:
              - name: judge
                provider: {web: {url: "http://127.0.0.1:\(port)/score", jsonPath: "$.score", timeout: 10s}}
                thresholdRange: {min: 0.8}
        """
    }
}

/// One HTTP client for the metric providers of every test in the suite (the process owns it).
let sharedClient = MetricRunner.makeHTTPClient()

/// Canary rollouts end to end: git → reconciler → store → rollout driver (real HTTP metric
/// provider against a stand-in scoring service) → what the store serves.
@Suite("Rollout scenarios", .serialized)
struct RolloutScenarioTests {
    struct Rig {
        let ws: GitWorkspace
        let harness: ControllerHarness
        let driver: RolloutDriver
        let client: HTTPClient

        init(client: HTTPClient) throws {
            ws = try GitWorkspace()
            harness = try ControllerHarness(repo: ws.repo.path, db: ws.path("store.db"))
            self.client = client
            var logger = Logger(label: "rollouts")
            logger.logLevel = .critical
            driver = RolloutDriver(store: harness.store, runner: MetricRunner(httpClient: client, logger: logger), logger: logger)
        }

        /// One controller iteration: poll git, advance rollouts.
        func iterate() async throws {
            try await harness.poll()
            _ = await driver.advance(try await harness.reconciler.rolloutTargets())
        }

        /// Iterates until `condition` holds (or `timeout` passes: a deadline, not a measure;
        /// the whole suite runs in parallel on two cores, where one iteration can take seconds
        /// of wall time — full runs measured this test at ~100 s with a 15 s deadline missed).
        func run(timeout: Duration = .seconds(90), until condition: (DeploymentStatus) -> Bool) async throws -> DeploymentStatus {
            let deadline = ContinuousClock.now + timeout
            while true {
                try await iterate()
                let d = try #require(try harness.store.deployment(namespace: "shop", name: "greet-prod"))
                if condition(d) || ContinuousClock.now > deadline { return d }
                try await Task.sleep(for: .milliseconds(40))
            }
        }
    }

    @Test func goodVersionIsPromotedAndBadVersionRolledBack() async throws {
        let scores = ScoreService()
        try await scores.run { port in
            let rig = try Rig(client: sharedClient)
            try rig.ws.commit(["shop/greet.yaml": CanaryManifests.template("v1 {{who}}"),
                               "shop/deploy.yaml": CanaryManifests.deployment(port: port)], message: "v1")
            let first = try await rig.run { $0.stable.version == 1 }
            #expect(first.phase == "Healthy")
            #expect(first.canary == nil)

            // A good change: 10 % → analysis → 50 % → analysis → promoted.
            try rig.ws.commit(["shop/greet.yaml": CanaryManifests.template("v2 {{who}}")], message: "v2")
            var weights: Set<Int> = []
            let promoted = try await rig.run { d in
                if let c = d.canary { weights.insert(c.weight) }
                return d.stable.version == 2
            }
            #expect(promoted.stable.version == 2)
            #expect(promoted.phase == "Healthy")
            // Polling may miss a short step on a loaded machine; the events record every weight
            // (several steps saved at once are all worded from the final state, so only the % is read).
            let weightEvents = try rig.harness.store.events(namespace: "shop", limit: 500)
                .filter { $0.reason == "WeightChanged" }.map(\.message)
            for w in weights { #expect(weightEvents.contains { $0.contains(" \(w)%") }, "\(weightEvents)") }
            #expect(weightEvents.contains { $0.contains(" 10%") } && weightEvents.contains { $0.contains(" 50%") }, "\(weightEvents)")
            let audit = try rig.harness.store.audit(limit: 100).map(\.action)
            #expect(audit.contains("rollout.promoted"))
            let summary = try rig.harness.store.rolloutSummaries().first { $0.deployment == "greet-prod" }
            #expect(summary?.promotions == 1)
            #expect(summary?.phase == "Healthy")

            // A bad change: the judge scores it low; rolled back at the first measurement.
            scores.score.withLockedValue { $0 = 0.1 }
            try rig.ws.commit(["shop/greet.yaml": CanaryManifests.template("v3 {{who}}")], message: "v3")
            let started = ContinuousClock.now
            let rolledBack = try await rig.run { $0.phase == "Degraded" }
            let elapsed = ContinuousClock.now - started
            #expect(rolledBack.phase == "Degraded")
            #expect(rolledBack.stable.version == 2)
            #expect(rolledBack.canary == nil)
            // Rolled back at the first failed round (failureLimit 0): one measurement of v3, failed,
            // i.e. within interval × (failureLimit + 1) of the analysis start in the machine's time.
            let v3 = try rig.harness.store.measurements(namespace: "shop", deployment: "greet-prod").filter { $0.canaryVersion == 3 }
            #expect(v3.count == 1)
            #expect(v3.first?.measurement.verdict == .failed)
            #expect(elapsed < .seconds(30))
            let events = try rig.harness.store.events(namespace: "shop", limit: 500).map(\.reason)
            #expect(events.contains("RolledBack"))
            try await rig.harness.serve { client in
                let metrics = try await client.get("/metrics").text
                #expect(metrics.contains("promptops_rollbacks_total{namespace=\"shop\",deployment=\"greet-prod\"} 1"))
                #expect(metrics.contains("promptops_deployment_phase{namespace=\"shop\",deployment=\"greet-prod\",phase=\"Degraded\"} 1"))
                let detail = try await client.get("/api/v1/namespaces/shop/deployments/greet-prod").object
                #expect((detail["lastTransition"] as? [String: Any])?["to"] as? String == "Degraded")
            }
            let rollbackAudit = try rig.harness.store.audit(limit: 100).last { $0.action == "rollout.rolledBack" }
            #expect(rollbackAudit?.details.text.contains("\"verdict\":\"Failed\"") == true)
            // The aborted version serves no key and is not retried on the next passes.
            try await rig.iterate()
            try await rig.iterate()
            let after = try #require(try rig.harness.store.deployment(namespace: "shop", name: "greet-prod"))
            #expect(after.canary == nil)
            #expect(after.stable.version == 2)

            // A good v4 after the rollback: its promotion cites its own measurements only, never
            // v3's failed one (found by hack/crash-suite: the evidence took the Deployment's last 20).
            scores.score.withLockedValue { $0 = 0.95 }
            try rig.ws.commit(["shop/greet.yaml": CanaryManifests.template("v4 {{who}}")], message: "v4")
            let v4 = try await rig.run { $0.phase == "Healthy" && $0.stable.version == 4 }
            #expect(v4.stable.version == 4)
            let promotedAudit = try #require(try rig.harness.store.audit(limit: 200).last { $0.action == "rollout.promoted" })
            #expect(promotedAudit.details.text.contains("\"verdict\":\"Successful\""), "\(promotedAudit.details.text)")
            #expect(!promotedAudit.details.text.contains("\"verdict\":\"Failed\""), "\(promotedAudit.details.text)")
        }
    }

    @Test func aNewerCommitSupersedesAndARevertCancels() async throws {
        let scores = ScoreService()
        try await scores.run { port in
            let rig = try Rig(client: sharedClient)
            // A long analysis interval keeps the canary running while commits land.
            try rig.ws.commit(["shop/greet.yaml": CanaryManifests.template("v1 {{who}}"),
                               "shop/deploy.yaml": CanaryManifests.deployment(port: port, interval: "1h")], message: "v1")
            _ = try await rig.run { $0.stable.version == 1 }
            try rig.ws.commit(["shop/greet.yaml": CanaryManifests.template("v2 {{who}}")], message: "v2")
            let canary2 = try await rig.run { $0.canary?.version == 2 }
            #expect(canary2.canary?.weight == 10)
            try rig.ws.commit(["shop/greet.yaml": CanaryManifests.template("v3 {{who}}")], message: "v3")
            let canary3 = try await rig.run { $0.canary?.version == 3 }
            #expect(canary3.phase == "Progressing")
            #expect(try rig.harness.store.events(namespace: "shop", limit: 500).map(\.reason).contains("Superseded"))
            try rig.ws.commit(["shop/greet.yaml": CanaryManifests.template("v1 {{who}}")], message: "revert to v1")
            let cancelled = try await rig.run { $0.canary == nil }
            #expect(cancelled.stable.version == 1)
            #expect(cancelled.phase == "Healthy")
            #expect(try rig.harness.store.events(namespace: "shop", limit: 500).map(\.reason).contains("Cancelled"))
        }
    }

    /// A controller started while a canary runs (a restart) plans nothing for it: no second
    /// `apply` record, no Applied or switch event (found by hack/crash-suite).
    @Test func aRestartDuringACanaryRecordsNoSecondApply() async throws {
        let scores = ScoreService()
        try await scores.run { port in
            let rig = try Rig(client: sharedClient)
            try rig.ws.commit(["shop/greet.yaml": CanaryManifests.template("v1 {{who}}"),
                               "shop/deploy.yaml": CanaryManifests.deployment(port: port, interval: "1h")], message: "v1")
            _ = try await rig.run { $0.stable.version == 1 }
            try rig.ws.commit(["shop/greet.yaml": CanaryManifests.template("v2 {{who}}")], message: "v2")
            _ = try await rig.run { $0.canary?.version == 2 }
            let audit = try rig.harness.store.audit(limit: 500).count
            let events = try rig.harness.store.events(namespace: "shop", limit: 500).count
            // A new reconciler on the same store and repository: what a restarted controller runs.
            let restarted = try ControllerHarness(repo: rig.ws.repo.path, db: rig.ws.path("store.db"))
            let report = try await restarted.poll()
            #expect(report.plan.isEmpty, "\(report.plan)")
            let records = try rig.harness.store.audit(limit: 500)
            #expect(records.count == audit, "\(records.suffix(2).map(\.action))")
            #expect(try rig.harness.store.events(namespace: "shop", limit: 500).count == events)
            let d = try #require(try rig.harness.store.deployment(namespace: "shop", name: "greet-prod"))
            #expect(d.canary?.version == 2 && d.stable.version == 1)
        }
    }

    @Test func aRestartedControllerResumesAtTheSameStep() async throws {
        let scores = ScoreService()
        try await scores.run { port in
            let rig = try Rig(client: sharedClient)
            try rig.ws.commit(["shop/greet.yaml": CanaryManifests.template("v1 {{who}}"),
                               "shop/deploy.yaml": CanaryManifests.deployment(port: port, interval: "1h")], message: "v1")
            _ = try await rig.run { $0.stable.version == 1 }
            try rig.ws.commit(["shop/greet.yaml": CanaryManifests.template("v2 {{who}}")], message: "v2")
            _ = try await rig.run { $0.canary?.version == 2 }
            let before = try #require(try rig.harness.store.rollout(namespace: "shop", deployment: "greet-prod"))
            // A new process: fresh reconciler, fresh driver, same store file.
            let harness = try ControllerHarness(repo: rig.ws.repo.path, db: rig.ws.path("store.db"))
            var logger = Logger(label: "rollouts")
            logger.logLevel = .critical
            let driver = RolloutDriver(store: harness.store, runner: MetricRunner(httpClient: rig.client, logger: logger), logger: logger)
            try await harness.poll()
            _ = await driver.advance(try await harness.reconciler.rolloutTargets())
            let after = try #require(try harness.store.rollout(namespace: "shop", deployment: "greet-prod"))
            #expect(after.machine.stepIndex == before.machine.stepIndex)
            #expect(after.machine.canaryWeight == before.machine.canaryWeight)
            #expect(after.machine.measurementsOfCurrentAnalysis == before.machine.measurementsOfCurrentAnalysis)
        }
    }
}
