import Foundation
import Testing
@testable import PromptOpsCore

@Suite("Rollout: measurements")
struct RolloutMeasurementTests {
    @Test("verdict of a value against [min, max]", arguments: [
        (0.95, 0.95, nil, MeasurementVerdict.successful),   // bounds are inclusive
        (0.94, 0.95, nil, .failed),
        (0.05, nil, 0.05, .successful),
        (0.06, nil, 0.05, .failed),
        (0.5, 0.0, 1.0, .successful),
        (1.5, 0.0, 1.0, .failed),
        (-1, 0.0, 1.0, .failed),
        (nil, 0.9, nil, .inconclusive),
        (Double.nan, 0.9, nil, .inconclusive),
        (Double.infinity, nil, 10, .failed),
        (42, nil, nil, .successful),
    ] as [(Double?, Double?, Double?, MeasurementVerdict)])
    func verdict(value: Double?, min: Double?, max: Double?, expected: MeasurementVerdict) {
        #expect(MeasurementVerdict.verdict(value: value, min: min, max: max) == expected)
    }

    @Test func measurementJudgesAgainstTheMetricAndStaysEncodable() throws {
        let metric = RolloutFixture.metric("latency", max: 800)
        let ok = MetricMeasurement(metric: metric, value: 420, at: RolloutFixture.epoch)
        #expect(ok.verdict == .successful && ok.metric == "latency" && ok.value == 420)

        let infinite = MetricMeasurement(metric: metric, value: .infinity, at: RolloutFixture.epoch)
        #expect(infinite.verdict == .failed)
        #expect(infinite.value == nil && infinite.message == "non-finite value inf")

        let data = try JSONEncoder().encode([ok, infinite, .error(metric: "judge", message: "timeout", at: RolloutFixture.epoch)])
        let decoded = try JSONDecoder().decode([MetricMeasurement].self, from: data)
        #expect(decoded.map(\.verdict) == [.successful, .failed, .error])
        #expect(decoded[0] == ok && decoded[1] == infinite)
    }

    @Test func verdictsEncodeWithTheirAPINames() throws {
        let data = try JSONEncoder().encode(MeasurementVerdict.allCases)
        #expect(String(decoding: data, as: UTF8.self) == #"["Successful","Failed","Inconclusive","Error"]"#)
    }

    @Test func roundWithAMissingMetricCountsAsAProviderError() {
        let metrics = [RolloutFixture.metric("a", min: 1), RolloutFixture.metric("b", min: 1)]
        var run = AnalysisRun(startedAt: RolloutFixture.epoch, metrics: metrics)
        let extra = MetricMeasurement(metric: "unknown", value: 1, verdict: .successful, at: RolloutFixture.epoch)
        run.record([MetricMeasurement(metric: metrics[0], value: 2, at: RolloutFixture.epoch), extra],
                   config: RolloutFixture.analysis(metrics: metrics), now: RolloutFixture.epoch)
        #expect(run.rounds[0].map(\.metric) == ["a", "b"])
        #expect(run.rounds[0].map(\.verdict) == [.successful, .error])
        #expect(run.tallies[1].consecutiveErrors == 1)
    }

    @Test("limits apply per metric, failure first", arguments: [
        // verdicts of metric a and b per round → assessment after the last round
        ([[.failed, .successful]], 0, AnalysisRun.Assessment.failed(reason: "")),
        ([[.failed, .successful]], 1, .running),
        ([[.failed, .successful], [.successful, .failed]], 1, .running),   // one failure each is tolerated
        ([[.inconclusive, .inconclusive], [.inconclusive, .failed]], 0, .failed(reason: "")),   // failure beats pause
        ([[.inconclusive, .successful], [.inconclusive, .successful]], 1, .paused(reason: "")),
        ([[.error, .successful], [.error, .successful], [.error, .successful]], 1, .paused(reason: "")),
        ([[.error, .successful], [.successful, .successful], [.error, .successful]], 1, .succeeded),
        ([[.inconclusive, .successful], [.successful, .successful], [.successful, .successful]], 1, .succeeded),
        ([[.error, .successful], [.inconclusive, .successful], [.error, .successful]], 1, .paused(reason: "")),   // no success at all
    ] as [([[MeasurementVerdict]], Int, AnalysisRun.Assessment)])
    func assessment(rounds: [[MeasurementVerdict]], failureLimit: Int, expected: AnalysisRun.Assessment) {
        let metrics = [RolloutFixture.metric("a", min: 1), RolloutFixture.metric("b", min: 1)]
        let config = RolloutFixture.analysis(count: 3, failureLimit: failureLimit, inconclusiveLimit: 1,
                                             consecutiveErrorLimit: 2, metrics: metrics)
        var run = AnalysisRun(startedAt: RolloutFixture.epoch, metrics: metrics)
        for verdicts in rounds {
            let results = zip(metrics, verdicts).map { MetricMeasurement(metric: $0.name, value: nil, verdict: $1, at: RolloutFixture.epoch) }
            run.record(results, config: config, now: RolloutFixture.epoch)
        }
        switch (run.assess(config), expected) {
        case (.failed, .failed), (.paused, .paused), (.running, .running), (.succeeded, .succeeded): break
        case (let got, _): Issue.record("got \(got), expected \(expected)")
        }
    }

    @Test("a per-variant metric: {{variant}} replaced by a fixed word; the effect is canary - stable, judged by the range")
    func perVariantEffect() {
        let metric = Deployment.Metric(name: "neg", provider: .prometheus(address: "http://p", query: #"rate(x{variant="{{variant}}"}[5m])"#, timeout: .seconds(10)),
                                       min: nil, max: 0.02)
        #expect(metric.isPerVariant)
        #expect(metric.forVariant("stable").provider == .prometheus(address: "http://p", query: #"rate(x{variant="stable"}[5m])"#, timeout: .seconds(10)))
        #expect(!RolloutFixture.metric("score", min: 1).isPerVariant)
        let at = RolloutFixture.epoch
        func m(_ v: Double?) -> MetricMeasurement { MetricMeasurement(metric: "neg", value: v, verdict: .successful, at: at) }
        #expect(MetricMeasurement.effect(of: metric, canary: m(0.03), stable: m(0.02), at: at).verdict == .successful)
        #expect(MetricMeasurement.effect(of: metric, canary: m(0.05), stable: m(0.02), at: at).verdict == .failed)
        #expect(MetricMeasurement.effect(of: metric, canary: m(nil), stable: m(0.02), at: at).verdict == .inconclusive)
        let down = MetricMeasurement.error(metric: "neg", message: "connection refused", at: at)
        let failed = MetricMeasurement.effect(of: metric, canary: m(0.01), stable: down, at: at)
        #expect(failed.verdict == .error && failed.message == "variant stable: connection refused")
    }
}
