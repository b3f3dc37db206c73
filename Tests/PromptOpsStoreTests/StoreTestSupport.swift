import Foundation
import GRDB
import PromptOpsCore
@testable import PromptOpsStore

/// A store on a real temporary SQLite file, removed with its directory when released.
final class TemporaryStore {
    let directory: URL
    let store: ServingStore

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("promptops-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try ServingStore(path: directory.appendingPathComponent("serving.sqlite").path)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Loads, validates and plans `files` against what the store serves, then applies it.
    @discardableResult
    func sync(_ files: [String: String], revision: String, now: Date = testNow, actor: String = "controller") throws -> ApplyReport {
        try store.apply(plan(files, revision: revision, now: now), commit: commit(revision), actor: actor, now: now)
    }

    /// The plan the real pipeline makes for `files` against the store.
    func plan(_ files: [String: String], revision: String, now: Date = testNow) throws -> Plan {
        let list = files.keys.sorted().map { ManifestFile(path: $0, bytes: Array(files[$0]!.utf8)) }
        let set = ManifestLoader().load(list)
        let desired = DesiredState(set: set, validation: ManifestValidator().validate(set))
        return Planner.plan(revision: revision, desired: desired, served: try store.servedState(), now: now)
    }

    /// Rows per table (every table SQLite knows, including `sqlite_sequence`).
    func rowCounts() throws -> [String: Int] {
        try store.pool.read { db in
            var out: [String: Int] = [:]
            for table in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
                out[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table)\"")
            }
            return out
        }
    }

    /// Changes made through the store's writer connection since it opened.
    func totalChanges() throws -> Int {
        try store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "SELECT total_changes()")! }
    }

    /// Runs raw SQL on the store's writer connection, outside the store's API.
    func raw(_ sql: String) throws {
        try store.pool.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }

    /// One value from raw SQL.
    func value<T: DatabaseValueConvertible>(_ sql: String, _ arguments: StatementArguments = []) throws -> T? {
        try store.pool.read { db in try T.fetchOne(db, sql: sql, arguments: arguments) }
    }
}

/// A fixed clock: every test passes time in.
let testNow = Date(timeIntervalSince1970: 1_795_000_000)  // a Wednesday, 2026-11-18

/// A 40-hex commit id for `n`.
func sha(_ n: Int) -> String {
    let hex = String(n, radix: 16)
    return String(repeating: "0", count: 40 - hex.count) + hex
}

/// Commit metadata for a revision.
func commit(_ revision: String) -> CommitInfo {
    CommitInfo(sha: revision, authorName: "Ana Author", authorEmail: "ana@example.com",
               time: Date(timeIntervalSince1970: 1_794_990_000), message: "Change prompts\n\nbody")
}

/// A text template manifest.
func template(_ name: String, namespace: String, text: String, labels: String = "{team: t}") -> String {
    """
    apiVersion: promptops.dev/v1alpha1
    kind: PromptTemplate
    metadata: {name: \(name), namespace: \(namespace), labels: \(labels)}
    spec:
      description: A test prompt.
      text: "\(text)"

    """
}

/// A Deployment manifest.
func deployment(_ name: String, namespace: String, template: String, strategy: String = "Direct") -> String {
    """
    apiVersion: promptops.dev/v1alpha1
    kind: Deployment
    metadata: {name: \(name), namespace: \(namespace)}
    spec:
      template: \(template)
      environment: staging
      strategy: {type: \(strategy)}

    """
}

/// A second, read-only connection to the store's file: `PRAGMA data_version` on it moves
/// whenever any other connection commits a change.
final class DataVersionWatcher {
    private let queue: DatabaseQueue
    private let initial: Int

    init(path: String) throws {
        var config = Configuration()
        config.readonly = true
        queue = try DatabaseQueue(path: path, configuration: config)
        initial = try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA data_version")! }
    }

    /// Whether another connection committed since this watcher opened.
    func changed() throws -> Bool {
        try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA data_version")! } != initial
    }
}
