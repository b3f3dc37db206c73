import Foundation
import GRDB
import PromptOpsCore

/// A Deployment's persisted rollout: its state machine and the generation it was saved at.
public struct RolloutRecord: Sendable {
    /// The state machine, exactly as last saved.
    public var machine: RolloutStateMachine
    /// Incremented by every save; a save with a stale generation is refused.
    public var generation: Int
}

/// One stored measurement.
public struct StoredMeasurement: Sendable, Equatable, Codable {
    /// Row id (increasing).
    public var id: Int64
    /// The canary version measured.
    public var canaryVersion: Int?
    /// The analysis round.
    public var round: Int
    /// The measurement.
    public var measurement: MetricMeasurement
}

extension StoredMeasurement {
    /// A row of `SELECT id, canary_version, round, metric, value, verdict, message, time, judge_json`.
    /// From the columns `id, canary_version, round, metric, value, verdict, message, time,
    /// judge_json`, starting at column `start`.
    init(row: Row, from start: Int = 0) {
        self.init(id: row[start], canaryVersion: row[start + 1], round: row[start + 2], measurement: MetricMeasurement(
            metric: row[start + 3], value: row[start + 4], verdict: MeasurementVerdict(rawValue: row[start + 5]) ?? .error,
            message: row[start + 6], at: StoreTime.parse(row[start + 7]) ?? .distantPast, judge: JudgeCoding.decode(row[start + 8])))
    }
}

/// A measurement to store with the canary version it measured.
public struct TakenMeasurement: Sendable {
    /// The analysis round.
    public var round: Int
    /// The canary measured (captured before the result was handled: a rollback clears it).
    public var canary: RolloutStateMachine.VersionRef?
    /// The result.
    public var measurement: MetricMeasurement

    /// Creates one.
    public init(round: Int, canary: RolloutStateMachine.VersionRef?, measurement: MetricMeasurement) {
        self.round = round
        self.canary = canary
        self.measurement = measurement
    }
}

extension ServingStore {
    /// The rollout of a Deployment, or nil when none was saved yet.
    public func rollout(namespace: String, deployment: String) throws(StoreError) -> RolloutRecord? {
        try reading { db in try Self.fetchRollout(db, namespace: namespace, deployment: deployment) }
    }

    static func fetchRollout(_ db: Database, namespace: String, deployment: String) throws -> RolloutRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT state_json, generation FROM rollout WHERE namespace = ? AND deployment = ?",
                                         arguments: [namespace, deployment]) else { return nil }
        let machine = try RolloutCoding.decoder.decode(RolloutStateMachine.self, from: Data((row[0] as String).utf8))
        return RolloutRecord(machine: machine, generation: row[1])
    }

    /// Saves a rollout after `actions` happened, in one transaction: the state, the
    /// Deployment row (phase, stable, canary, weight, step), the measurements, an event per
    /// action, an audit record for promotions, rollbacks, supersedes, cancels and manual
    /// overrides (`manual` names the command), and the Deployment's history.
    /// - Returns: false, writing nothing, when the stored generation is not `expectedGeneration`
    ///   (someone saved in between: reload and handle again).
    @discardableResult
    public func saveRollout(namespace: String, deployment: String, machine: RolloutStateMachine, expectedGeneration: Int?,
                            actions: [RolloutAction], measurements: [TakenMeasurement] = [],
                            actor: String = "controller", manual: String? = nil, now: Date) throws(StoreError) -> Bool {
        try writing(namespace: namespace) { db in
            let current = try Int.fetchOne(db, sql: "SELECT generation FROM rollout WHERE namespace = ? AND deployment = ?",
                                           arguments: [namespace, deployment])
            guard current == expectedGeneration else { return false }
            guard let row = try Row.fetchOne(db, sql: "SELECT template, stable_version, revision FROM deployment WHERE namespace = ? AND name = ?",
                                             arguments: [namespace, deployment]) else {
                throw StoreError(.invalidArgument, "no Deployment \(namespace)/\(deployment) is served", namespace: namespace)
            }
            let template: String = row[0]
            let stableVersion: Int = row[1]
            let revision: String = row[2]
            let stableHash = try String.fetchOne(db, sql: "SELECT hash FROM template_version WHERE namespace = ? AND template = ? AND version = ?",
                                                 arguments: [namespace, template, stableVersion])
            let time = StoreTime.format(now)
            let state = String(decoding: try RolloutCoding.encoder.encode(machine), as: UTF8.self)
            try db.execute(sql: """
                INSERT INTO rollout (namespace, deployment, state_json, generation, updated_at) VALUES (?, ?, ?, 1, ?)
                ON CONFLICT (namespace, deployment) DO UPDATE SET state_json = excluded.state_json,
                    generation = rollout.generation + 1, updated_at = excluded.updated_at
                """, arguments: [namespace, deployment, state, time])
            let canary = machine.canary
            try db.execute(sql: """
                UPDATE deployment SET phase = ?, stable_version = coalesce(?, stable_version),
                    canary_version = ?, canary_weight = ?, canary_step = ?, updated_at = ?
                WHERE namespace = ? AND name = ?
                """, arguments: [machine.phase.rawValue, machine.stable?.version, canary?.version,
                                 canary == nil ? nil : machine.canaryWeight, canary == nil ? nil : machine.stepIndex,
                                 time, namespace, deployment])
            for taken in measurements {
                let m = taken.measurement
                try db.execute(sql: """
                    INSERT INTO measurement (namespace, deployment, canary_version, canary_hash, round, metric, value, verdict, message, time, judge_json)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [namespace, deployment, taken.canary?.version, taken.canary?.hash, taken.round, m.metric, m.value,
                                     m.verdict.rawValue, m.message, StoreTime.format(m.at), try JudgeCoding.encode(m.judge)])
            }
            let log = RolloutLog(db: db, namespace: namespace, deployment: deployment, template: template,
                                 revision: revision, previousStable: stableHash.map { .init(version: stableVersion, hash: $0) },
                                 actor: actor, time: time, now: now)
            if let manual {
                try log.event("ManualOverride", "\(manual) by \(actor)", notify: .init(type: "ManualOverride", data: [
                    "command": .string(manual), "actor": .string(actor), "phase": .string(machine.phase.rawValue),
                    "canary": RolloutLog.ref(machine.canary), "stable": RolloutLog.ref(machine.stable),
                ]), about: machine.canary)
                try log.audit(action: "rollout.\(manual)", details: ["command": .string(manual), "phase": .string(machine.phase.rawValue),
                                                                    "reason": .string(machine.lastTransition?.reason ?? "")])
            }
            for action in actions { try log.record(action, machine: machine) }
            return true
        }
    }

    /// The measurements of one rollout of a Deployment (the canary version `rollout`; nil: the
    /// running canary, else the last one measured), every analysis step, oldest first: the
    /// latest `limit`. Nil when nothing was ever measured for it.
    public func rolloutMeasurements(namespace: String, deployment: String, rollout: Int?, limit: Int) throws(StoreError)
        -> (rollout: Int, measurements: [StoredMeasurement])? {
        try reading { db in
            var version = rollout
            if version == nil {
                version = try Int.fetchOne(db, sql: "SELECT canary_version FROM deployment WHERE namespace = ? AND name = ?",
                                           arguments: [namespace, deployment])
            }
            if version == nil {
                version = try Int.fetchOne(db, sql: """
                    SELECT canary_version FROM measurement WHERE namespace = ? AND deployment = ? AND canary_version IS NOT NULL
                    ORDER BY id DESC LIMIT 1
                    """, arguments: [namespace, deployment])
            }
            guard let version else { return nil }
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, canary_version, round, metric, value, verdict, message, time, judge_json FROM (
                    SELECT * FROM measurement WHERE namespace = ? AND deployment = ? AND canary_version = ? ORDER BY id DESC LIMIT ?)
                ORDER BY id
                """, arguments: [namespace, deployment, version, min(max(limit, 1), Self.maxPage)])
            return (version, rows.map { StoredMeasurement(row: $0) })
        }
    }

    /// Measurements of a Deployment, newest last.
    public func measurements(namespace: String, deployment: String, limit: Int = 200) throws(StoreError) -> [StoredMeasurement] {
        try reading { db in
            try Row.fetchAll(db, sql: """
                SELECT id, canary_version, round, metric, value, verdict, message, time, judge_json FROM (
                    SELECT * FROM measurement WHERE namespace = ? AND deployment = ? ORDER BY id DESC LIMIT ?) ORDER BY id
                """, arguments: [namespace, deployment, min(max(limit, 1), Self.maxPage)]).map { StoredMeasurement(row: $0) }
        }
    }
}

/// The judge's report in a measurement row.
enum JudgeCoding {
    static func encode(_ report: JudgeReport?) throws -> String? {
        guard let report else { return nil }
        return String(decoding: try RolloutCoding.encoder.encode(report), as: UTF8.self)
    }

    /// Nil for no report, or one this build cannot read (the row's other columns still are).
    static func decode(_ text: String?) -> JudgeReport? {
        guard let text else { return nil }
        return try? RolloutCoding.decoder.decode(JudgeReport.self, from: Data(text.utf8))
    }
}

/// JSON coding of rollout state: dates as exact seconds since 1970, so a reloaded machine
/// compares equal to the saved one.
enum RolloutCoding {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        return d
    }()
}

/// Rollout numbers of one served Deployment, for `/metrics`.
public struct RolloutSummary: Sendable, Equatable {
    /// The namespace.
    public var namespace: String
    /// The Deployment.
    public var deployment: String
    /// Healthy, Progressing, Paused or Degraded.
    public var phase: String
    /// Percent of keys on the canary (0 without one).
    public var canaryWeight: Int
    /// Canaries promoted so far.
    public var promotions: Int
    /// Canaries rolled back so far.
    public var rollbacks: Int
}

extension ServingStore {
    /// Phase, canary weight and promotion/rollback counts of every served Deployment.
    public func rolloutSummaries() throws(StoreError) -> [RolloutSummary] {
        try reading { db in
            try Row.fetchAll(db, sql: """
                SELECT d.namespace, d.name, d.phase, coalesce(d.canary_weight, 0),
                       (SELECT count(*) FROM deployment_history h WHERE h.namespace = d.namespace AND h.deployment = d.name AND h.action = 'Promoted')
                           + coalesce(p.promotions, 0),
                       (SELECT count(*) FROM deployment_history h WHERE h.namespace = d.namespace AND h.deployment = d.name AND h.action = 'RolledBack')
                           + coalesce(p.rollbacks, 0)
                FROM deployment d LEFT JOIN history_pruned p ON p.namespace = d.namespace AND p.deployment = d.name
                ORDER BY d.namespace, d.name
                """).map {
                RolloutSummary(namespace: $0[0], deployment: $0[1], phase: $0[2], canaryWeight: $0[3], promotions: $0[4], rollbacks: $0[5])
            }
        }
    }
}
