import Foundation
import GRDB

/// What ``ServingStore/backup(to:)`` wrote and checked.
public struct BackupReport: Sendable, Equatable {
    /// The copy's size in bytes.
    public var bytes: Int
    /// `PRAGMA integrity_check` of the copy said `ok`.
    public var integrityOK: Bool
    /// The copy's audit chain verified.
    public var audit: AuditVerification
}

extension ServingStore {
    /// Writes a consistent copy of the store to `destination` with SQLite's online backup,
    /// taken from one read snapshot: the controller keeps serving and writing meanwhile, and
    /// the copy holds exactly the transactions committed when the snapshot began. The copy
    /// is then checked (`integrity_check`, audit chain). An existing file is refused, never
    /// overwritten.
    public func backup(to destination: String) throws(StoreError) -> BackupReport {
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw StoreError(.invalidArgument, "\(destination) exists; a backup never overwrites a file")
        }
        do {
            let copy = try DatabaseQueue(path: destination)
            try pool.backup(to: copy)
            let integrity = try copy.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            try copy.close()
            let audit = try ServingStore(path: destination).verifyAudit()
            let bytes = (try FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? 0
            return BackupReport(bytes: bytes, integrityOK: integrity == ["ok"], audit: audit)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.wrapping(error, as: .io)
        }
    }
}
