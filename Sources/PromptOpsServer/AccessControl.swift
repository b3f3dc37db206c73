import Crypto
import NIOConcurrencyHelpers
import PromptOpsCore

/// Who may call the API: open (no `access.tokens`), or bearer tokens checked by their
/// SHA-256. The token table is replaced as a whole on config reload (SIGHUP); a request
/// takes the lock only to copy the table's reference, never while a pass runs.
public final class AccessControl: Sendable {
    /// One configured token, ready for the request path: its digest as four words (compared
    /// without allocating) and its grant built once.
    struct Entry: Sendable {
        var digest: (UInt64, UInt64, UInt64, UInt64)
        var grant: AccessGrant
    }

    /// The configured tokens and their entries (empty: the endpoint is open).
    private let box: NIOLockedValueBox<(tokens: [ControllerConfig.APIToken], entries: [Entry])>

    /// Creates the access rules; no tokens means an open endpoint.
    public init(tokens: [ControllerConfig.APIToken] = []) {
        box = NIOLockedValueBox((tokens, Self.entries(tokens)))
    }

    static func entries(_ tokens: [ControllerConfig.APIToken]) -> [Entry] {
        tokens.compactMap { token in
            guard token.sha256.count == 32 else { return nil }
            return Entry(digest: token.sha256.withUnsafeBytes(Self.words), grant: AccessGrant(token))
        }
    }

    /// 32 bytes as four words.
    static func words(_ bytes: UnsafeRawBufferPointer) -> (UInt64, UInt64, UInt64, UInt64) {
        (bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
         bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// Replaces the tokens (reload). Returns the names added and removed, and those whose
    /// hash, scopes or namespaces changed, for the audit record.
    @discardableResult
    public func replace(_ tokens: [ControllerConfig.APIToken]) -> TokenSetChange {
        let entries = Self.entries(tokens)
        let old = box.withLockedValue { current in
            defer { current = (tokens, entries) }
            return current.tokens
        }
        return TokenSetChange(old: old, new: tokens)
    }

    /// Whether tokens are required.
    public var isEnforced: Bool { !box.withLockedValue { $0.entries }.isEmpty }

    /// The result of checking a request's `Authorization` header.
    enum Authentication {
        /// No tokens configured: everything is visible.
        case open
        /// A known token.
        case granted(AccessGrant)
        /// No bearer token given.
        case missing
        /// A bearer token that matches no configured hash.
        case unknown
    }

    /// Checks `Authorization: Bearer TOKEN`. The token is hashed and compared with every
    /// configured hash in constant time, without stopping at a match, so the time taken does
    /// not say how much of a hash matched or which entry did.
    func authenticate(_ header: String?) -> Authentication {
        let entries = box.withLockedValue { $0.entries }
        if entries.isEmpty { return .open }
        guard let header, let token = Self.bearerToken(header) else { return .missing }
        var hasher = SHA256()
        if token.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }) == nil {
            hasher.update(data: Array(token))
        }
        let digest = hasher.finalize().withUnsafeBytes(Self.words)
        var found: AccessGrant?
        for entry in entries {
            // XOR-or over all four words: no early exit, whatever matches.
            let difference = (entry.digest.0 ^ digest.0) | (entry.digest.1 ^ digest.1) | (entry.digest.2 ^ digest.2) | (entry.digest.3 ^ digest.3)
            if difference == 0 { found = entry.grant }
        }
        return found.map { .granted($0) } ?? .unknown
    }

    /// The token of `Bearer TOKEN` (scheme case-insensitive, as RFC 7235 says).
    static func bearerToken(_ header: String) -> Substring.UTF8View? {
        let bytes = header.utf8
        guard bytes.count > 7 else { return nil }
        // "bearer " compared byte-wise, letters folded to lower case (no String built per request).
        var index = bytes.startIndex
        for expected in "bearer ".utf8 {
            let byte = bytes[index]
            guard byte == expected || (byte >= 0x41 && byte <= 0x5A && byte | 0x20 == expected) else { return nil }
            index = bytes.index(after: index)
        }
        let token = bytes[index...].drop { $0 == 0x20 }
        return token.isEmpty ? nil : token
    }

}

/// What one authenticated token may see and do.
public struct AccessGrant: Sendable {
    /// The token's configured name (metrics and audit; never the token).
    public var name: String
    /// Namespace globs it sees.
    public var namespaces: [String]
    /// Its scopes.
    public var scopes: Set<ControllerConfig.APIToken.Scope>

    init(_ token: ControllerConfig.APIToken) {
        name = token.name
        namespaces = token.namespaces
        scopes = token.scopes
    }

    /// Whether the token sees `namespace` (only well-formed names, DNS labels, ever match).
    public func sees(_ namespace: String) -> Bool {
        StringFormat.isDNSLabel(namespace) && namespaces.contains { Glob.matches($0, namespace) }
    }

    /// Whether the token sees every namespace (`*`): it also sees what belongs to no
    /// namespace (a source's errors and events).
    public var seesAll: Bool { namespaces.contains("*") }
}

/// How the token set changed on a reload.
public struct TokenSetChange: Sendable, Equatable {
    /// Names of new tokens.
    public var added: [String]
    /// Names of tokens gone.
    public var removed: [String]
    /// Names whose hash, scopes or namespaces changed (a rotation changes the hash).
    public var changed: [String]

    init(old: [ControllerConfig.APIToken], new: [ControllerConfig.APIToken]) {
        let before = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        added = after.keys.filter { before[$0] == nil }.sorted()
        removed = before.keys.filter { after[$0] == nil }.sorted()
        changed = after.keys.filter { name in before[name].map { $0 != after[name]! } ?? false }.sorted()
    }

    /// Whether anything changed.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
}
