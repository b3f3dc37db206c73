import Foundation
import GRDB
import PromptOpsCore

/// Turns rollout actions into events, audit records (with the evidence) and Deployment
/// history, inside the caller's write transaction.
struct RolloutLog {
    let db: Database
    let namespace: String
    let deployment: String
    let template: String
    let revision: String
    /// The stable version before this save (the "from" of a promotion).
    let previousStable: RolloutStateMachine.VersionRef?
    let actor: String
    let time: String
    let now: Date

    func event(_ reason: String, _ message: String, warning: Bool = false, notify: StoreEvent.Notice? = nil,
               about version: RolloutStateMachine.VersionRef? = nil) throws {
        var notice = notify
        notice?.data["deployment"] = .string(deployment)
        notice?.data["template"] = .string(template)
        try StoreEvent.record(db, time: time, namespace: namespace, kind: "Deployment", name: deployment,
                              type: warning ? .warning : .normal, reason: reason, message: message,
                              revision: version == nil ? revision : try revision(of: version), notify: notice)
    }

    /// The commit that introduced `version` of the template (falls back to the Deployment's).
    func revision(of version: RolloutStateMachine.VersionRef?) throws -> String {
        guard let version else { return revision }
        return try String.fetchOne(db, sql: "SELECT revision FROM template_version WHERE namespace = ? AND template = ? AND version = ?",
                                   arguments: [namespace, template, version.version]) ?? revision
    }

    func audit(action: String, details: [String: JSONValue], about version: RolloutStateMachine.VersionRef? = nil) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(JSONValue.object(details)), as: UTF8.self)
        _ = try AuditChain.append(db, actor: actor, action: action, namespace: namespace, object: "Deployment/\(deployment)",
                                  revision: try revision(of: version), detailsJSON: json, now: now)
    }

    func history(_ action: String, from: RolloutStateMachine.VersionRef?, to: RolloutStateMachine.VersionRef) throws {
        try db.execute(sql: """
            INSERT INTO deployment_history (namespace, deployment, template, action, strategy, from_version, from_hash,
                                            to_version, to_hash, revision, time)
            VALUES (?, ?, ?, ?, 'Canary', ?, ?, ?, ?, ?, ?)
            """, arguments: [namespace, deployment, template, action, from?.version, from?.hash, to.version, to.hash,
                             try revision(of: action == "Promoted" ? to : from), time])
    }

    /// Measurements as evidence: every threshold measurement, and of the judge's rounds only
    /// the latest, with its per-test breakdown (it sums up the rounds before it).
    static func evidence(_ list: [MetricMeasurement]) -> JSONValue {
        let lastJudged = list.lastIndex { $0.judge != nil }
        return .array(list.enumerated().compactMap { i, m in
            if m.judge != nil && i != lastJudged { return nil }
            var object: [String: JSONValue] = [
                "metric": .string(m.metric), "value": m.value.map(JSONValue.double) ?? .null,
                "verdict": .string(m.verdict.rawValue), "message": m.message.map(JSONValue.string) ?? .null,
                "at": .string(StoreTime.format(m.at)),
            ]
            if let report = m.judge { object["judge"] = judge(report) }
            return .object(object)
        })
    }

    /// The judge's standing for people: decision, pairs, difference with interval, per test.
    static func judge(_ r: JudgeReport) -> JSONValue {
        .object([
            "decision": .string(r.decision), "samples": .int(Int64(r.samples)), "maxSamples": .int(Int64(r.maxSamples)),
            "difference": .double(r.difference), "lower": .double(r.lower), "upper": .double(r.upper), "margin": .double(r.margin),
            "tests": .array(r.tests.map { t in
                .object(["test": .string(t.test), "runs": .int(Int64(t.runs)), "stablePassed": .int(Int64(t.stablePassed)),
                         "canaryPassed": .int(Int64(t.canaryPassed)), "difference": .double(t.difference)])
            }),
            "notCompared": .array(r.skipped.map(JSONValue.string)),
        ])
    }

    /// The message of a `WeightChanged` event; ``weight(inMessage:)`` reads the weight back
    /// (the dashboard's weight chart), so the two stay together.
    static func weightMessage(_ weight: Int, canary: RolloutStateMachine.VersionRef?) -> String {
        canary.map { "canary v\($0.version) now serves \(weight)% of keys" } ?? "canary weight \(weight)%: no key is routed to a canary"
    }

    /// The weight a ``weightMessage(_:canary:)`` names (nil for any other text).
    static func weight(inMessage message: String) -> Int? {
        if message.hasPrefix("canary weight ") {
            return Int(message.dropFirst("canary weight ".count).prefix { $0.isNumber })
        }
        guard let serves = message.range(of: " now serves ") else { return nil }
        let digits = message[serves.upperBound...].prefix { $0.isNumber }
        guard message[serves.upperBound...].dropFirst(digits.count).hasPrefix("% of keys") else { return nil }
        return Int(digits)
    }

    static func ref(_ v: RolloutStateMachine.VersionRef?) -> JSONValue {
        guard let v else { return .null }
        return .object(["version": .int(Int64(v.version)), "hash": .string(v.hash)])
    }

    func record(_ action: RolloutAction, machine: RolloutStateMachine) throws {
        switch action {
        case .setWeight(let w):
            try event("WeightChanged", Self.weightMessage(w, canary: machine.canary),
                      notify: machine.canary == nil ? nil : .init(type: "StepAdvanced", data: [
                          "weight": .int(Int64(w)), "step": .int(Int64(machine.stepIndex ?? 0)), "canary": Self.ref(machine.canary), "stable": Self.ref(machine.stable),
                      ]), about: machine.canary)
        case .measure:
            break
        case .promoted(let v):
            try event("Promoted", "\(template) v\(v.version) promoted to stable (100%)",
                      notify: .init(type: "Promoted", data: ["version": Self.ref(v), "from": Self.ref(previousStable),
                                                             "measurements": Self.evidence(machine.measurementsOfCurrentAnalysis + lastEvidence(of: v))]),
                      about: v)
            try audit(action: "rollout.promoted", details: [
                "version": Self.ref(v), "evidence": Self.evidence(machine.measurementsOfCurrentAnalysis + lastEvidence(of: v)),
                "reason": .string(machine.lastTransition?.reason ?? ""), "from": Self.ref(previousStable),
            ], about: v)
            try history("Promoted", from: previousStable, to: v)
        case .rolledBack(let v, let evidence, let reason):
            try event("RolledBack", "\(template) v\(v.version) rolled back: \(reason)", warning: true,
                      notify: .init(type: "RolledBack", data: ["version": Self.ref(v), "stable": Self.ref(machine.stable),
                                                               "reason": .string(reason), "measurements": Self.evidence(evidence)]),
                      about: v)
            try audit(action: "rollout.rolledBack", details: ["version": Self.ref(v), "evidence": Self.evidence(evidence), "reason": .string(reason)], about: v)
            if let stable = machine.stable { try history("RolledBack", from: v, to: stable) }
        case .superseded(let old, let new):
            try event("Superseded", "canary v\(old.version) superseded by v\(new.version); steps restart",
                      notify: .init(type: "Superseded", data: ["old": Self.ref(old), "new": Self.ref(new)]), about: new)
            try audit(action: "rollout.superseded", details: ["old": Self.ref(old), "new": Self.ref(new)], about: new)
        case .cancelled(let v):
            try event("Cancelled", "canary v\(v.version) cancelled: git returned to the stable version",
                      notify: .init(type: "Cancelled", data: ["version": Self.ref(v), "stable": Self.ref(machine.stable)]), about: v)
            try audit(action: "rollout.cancelled", details: ["version": Self.ref(v)], about: v)
        case .paused(let reason):
            try event("Paused", reason, warning: true,
                      notify: .init(type: "Paused", data: ["reason": .string(reason), "canary": Self.ref(machine.canary),
                                                           "measurements": Self.evidence(machine.measurementsOfCurrentAnalysis)]),
                      about: machine.canary)
        case .switched(let from, let to):
            try event("Switched", "\(template) switched to v\(to.version)\(from.map { " (was v\($0.version))" } ?? "")")
        case .blocked(let v, let reason):
            try event("Blocked", "v\(v.version): \(reason)", warning: true)
        case .transition(let from, let to, let reason):
            let started = to == .progressing && from != .paused && machine.canary != nil
            try event("PhaseChanged", "\(from.rawValue) → \(to.rawValue): \(reason)", warning: to == .degraded || to == .paused,
                      notify: started ? .init(type: "CanaryStarted", data: ["canary": Self.ref(machine.canary), "stable": Self.ref(machine.stable),
                                                                            "reason": .string(reason)]) : nil,
                      about: started ? machine.canary : nil)
        case .ignored:
            break
        }
    }

    /// The rounds of the analysis that just completed are gone from the machine after a
    /// promotion; the stored measurements of the last rounds stand in as evidence.
    func lastEvidence(of version: RolloutStateMachine.VersionRef) throws -> [MetricMeasurement] {
        // Only this version's measurements: an earlier canary's (rolled back, superseded) are
        // not evidence for this one.
        try Row.fetchAll(db, sql: """
            SELECT metric, value, verdict, message, time, judge_json FROM (
                SELECT * FROM (SELECT * FROM measurement
                               WHERE namespace = ? AND deployment = ? AND canary_version = ? AND canary_hash = ? AND judge_json IS NULL
                               ORDER BY id DESC LIMIT 20)
                UNION ALL
                -- the judge's rounds sum up in the latest: only it is evidence
                SELECT * FROM (SELECT * FROM measurement
                               WHERE namespace = ? AND deployment = ? AND canary_version = ? AND canary_hash = ? AND judge_json IS NOT NULL
                               ORDER BY id DESC LIMIT 1))
            ORDER BY id DESC
            """, arguments: [namespace, deployment, version.version, version.hash,
                             namespace, deployment, version.version, version.hash]).reversed().map {
            MetricMeasurement(metric: $0[0], value: $0[1], verdict: MeasurementVerdict(rawValue: $0[2]) ?? .error,
                              message: $0[3], at: StoreTime.parse($0[4]) ?? now, judge: JudgeCoding.decode($0[5]))
        }
    }
}
