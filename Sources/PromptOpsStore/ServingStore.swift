import Foundation
import GRDB
import PromptOpsCore

/// The SQLite serving store: what every namespace serves, every template version ever
/// created, rollout state, sync status, events and the hash-chained audit log.
///
/// One `DatabasePool` in WAL mode: the controller writes (one IMMEDIATE transaction per
/// namespace), while the HTTP endpoint and CLI read concurrently from snapshots and never
/// wait for a writer. Every method is synchronous and safe to call from any thread.
public final class ServingStore: Sendable {
    /// The database file.
    public let path: String
    /// GRDB's pool is itself `Sendable`: it serialises writes and hands out reader connections.
    let pool: DatabasePool

    /// Opens (creating when missing) the store at `path` and runs pending migrations.
    /// - Throws: `StoreError` with code `open`, `corrupt` or `migration`.
    public init(path: String) throws(StoreError) {
        self.path = path
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(5)
        config.label = "PromptOpsStore"
        config.prepareDatabase { db in
            // WAL makes NORMAL durable up to the last checkpoint and never corrupting: a
            // crash loses at most the last transactions, each of which is all-or-nothing.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // No memory-mapped reads (SQLite's default): mapped pages of the file would count
            // as the controller's resident memory and grow with the store, and a pass reads
            // only the namespaces a commit touches.
            try db.execute(sql: "PRAGMA mmap_size = 0")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw StoreError.wrapping(error, as: .open)
        }
        do {
            try StoreSchema.migrator.migrate(pool)
        } catch {
            throw StoreError.wrapping(error, as: .migration)
        }
    }

    /// Runs `body` in a read snapshot, mapping failures to `StoreError`.
    func reading<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StoreError.wrapping(error)
        }
    }

    /// Runs `body` in one IMMEDIATE write transaction (taken up front, so a concurrent
    /// writer in another process waits on the busy timeout instead of failing mid-way).
    /// A throw rolls everything back.
    func writing<T>(namespace: String? = nil, _ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch {
            throw StoreError.wrapping(error, namespace: namespace)
        }
    }
}
