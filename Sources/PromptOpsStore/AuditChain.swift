import Crypto
import Foundation
import GRDB

/// The audit log's hash chain: `hash = SHA-256(prev_hash || canonical fields)`. The
/// database refuses UPDATE and DELETE and checks each insert links to the last record;
/// the chain lets `verify` detect a record changed or removed behind SQLite's back
/// (triggers dropped, file edited).
enum AuditChain {
    /// The fields a record is hashed over, as stored.
    struct Fields {
        var seq: Int64
        var time: String
        var actor: String
        var action: String
        var namespace: String?
        var object: String?
        var revision: String?
        var detailsJSON: String
    }

    /// The canonical serialization: a domain tag, the previous hash, then every field as
    /// `<byte count>:<UTF-8 bytes>` on its own line (`-` when absent). Length prefixes make
    /// it unambiguous without escaping, so large details hash at memory speed.
    static func hash(prev: String, _ f: Fields) -> String {
        var material: [UInt8] = Array("promptops-audit/v1\n\(prev)\n\(f.seq)\n".utf8)
        for field in [f.time, f.actor, f.action, f.namespace, f.object, f.revision, f.detailsJSON] as [String?] {
            guard let field else {
                material.append(contentsOf: "-\n".utf8)
                continue
            }
            material.append(contentsOf: "\(field.utf8.count):".utf8)
            material.append(contentsOf: field.utf8)
            material.append(0x0A)
        }
        return SHA256.hash(data: material).map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    /// Appends a record inside the caller's write transaction.
    static func append(_ db: Database, actor: String, action: String, namespace: String?, object: String?, revision: String?,
                       detailsJSON: String, now: Date) throws -> AuditRecord {
        let last = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_record ORDER BY seq DESC LIMIT 1")
        let seq: Int64 = (last?[0] ?? 0) + 1
        let prev: String = last?[1] ?? StoreSchema.genesisHash
        let fields = Fields(seq: seq, time: StoreTime.format(now), actor: actor, action: action, namespace: namespace,
                            object: object, revision: revision, detailsJSON: detailsJSON)
        let hash = hash(prev: prev, fields)
        try db.execute(sql: """
            INSERT INTO audit_record (seq, time, actor, action, namespace, object, revision, details_json, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [seq, fields.time, actor, action, namespace, object, revision, detailsJSON, prev, hash])
        return AuditRecord(seq: seq, time: StoreTime.parse(fields.time) ?? now, actor: actor, action: action, namespace: namespace,
                           object: object, revision: revision, details: EmbeddedJSON(detailsJSON), prevHash: prev, hash: hash)
    }

    /// Recomputes the whole chain in one snapshot and reports the first break.
    static func verify(_ db: Database) throws -> AuditVerification {
        let rows = try Row.fetchCursor(db, sql: """
            SELECT seq, time, actor, action, namespace, object, revision, details_json, prev_hash, hash
            FROM audit_record ORDER BY seq
            """)
        var expected: Int64 = 1
        var prev = StoreSchema.genesisHash
        var count = 0
        func broken(_ seq: Int64, _ problem: String) -> AuditVerification {
            AuditVerification(isIntact: false, recordCount: count, headSeq: expected > 1 ? expected - 1 : nil, headHash: prev,
                              brokenAt: seq, problem: problem)
        }
        while let row = try rows.next() {
            let f = Fields(seq: row[0], time: row[1], actor: row[2], action: row[3], namespace: row[4], object: row[5],
                           revision: row[6], detailsJSON: row[7])
            let storedPrev: String = row[8], storedHash: String = row[9]
            if f.seq != expected {
                return broken(expected, f.seq > expected ? "record \(expected) is missing (next is \(f.seq))" : "record \(f.seq) is out of order")
            }
            if storedPrev != prev {
                return broken(f.seq, "prev_hash does not match the hash of record \(f.seq - 1): a record was removed, reordered or altered")
            }
            if hash(prev: storedPrev, f) != storedHash {
                return broken(f.seq, "record \(f.seq) was altered: its content does not hash to its stored hash")
            }
            prev = storedHash
            expected += 1
            count += 1
        }
        // AUTOINCREMENT remembers the highest seq ever used, which exposes a truncated tail.
        let highest = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'audit_record'") ?? 0
        if highest >= expected {
            return broken(expected, "records \(expected)...\(highest) were deleted from the end of the log")
        }
        return AuditVerification(isIntact: true, recordCount: count, headSeq: count > 0 ? expected - 1 : nil, headHash: prev)
    }
}
