import GRDB

/// A failure of the serving store, as data: a code callers can branch on (the CLI maps
/// it to an exit code, the server to a status) and a message a person can act on.
public struct StoreError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable, Equatable, Codable {
        /// The database file could not be opened or created.
        case open
        /// A schema migration failed.
        case migration
        /// A constraint refused a write (UNIQUE, CHECK, foreign key, or a trigger such as
        /// the append-only audit log); with a plan from the planner this is a bug.
        case constraint
        /// Another writer held the database longer than the busy timeout.
        case busy
        /// The file is not a database or is damaged.
        case corrupt
        /// The disk is full, read-only, or an I/O operation failed.
        case io
        /// Stored data could not be encoded or decoded.
        case encoding
        /// An argument was out of range.
        case invalidArgument
        /// Any other SQLite failure.
        case database
    }

    /// What kind of failure.
    public var code: Code
    /// A sentence a person can act on.
    public var message: String
    /// The namespace concerned, when the failure belongs to one.
    public var namespace: String?

    /// Creates an error.
    public init(_ code: Code, _ message: String, namespace: String? = nil) {
        self.code = code
        self.message = message
        self.namespace = namespace
    }

    /// `code: message` (with the namespace when known).
    public var description: String {
        namespace.map { "\(code.rawValue): namespace \($0): \(message)" } ?? "\(code.rawValue): \(message)"
    }

    /// Classifies any error thrown below the store (GRDB, SQLite, coding) as a `StoreError`.
    static func wrapping(_ error: any Error, namespace: String? = nil, as fallback: Code = .database) -> StoreError {
        if var own = error as? StoreError {
            own.namespace = own.namespace ?? namespace
            return own
        }
        if let db = error as? DatabaseError {
            let code: Code
            switch db.resultCode {
            case .SQLITE_CONSTRAINT: code = .constraint
            case .SQLITE_BUSY, .SQLITE_LOCKED: code = .busy
            case .SQLITE_CORRUPT, .SQLITE_NOTADB: code = .corrupt
            case .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM: code = fallback == .open ? .open : .io
            default: code = fallback
            }
            return StoreError(code, db.message ?? "\(db.resultCode)", namespace: namespace)
        }
        if error is EncodingError || error is DecodingError {
            return StoreError(.encoding, "\(error)", namespace: namespace)
        }
        return StoreError(fallback, "\(error)", namespace: namespace)
    }
}
