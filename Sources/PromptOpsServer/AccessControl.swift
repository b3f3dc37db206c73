import Crypto
import NIOConcurrencyHelpers
import PromptOpsCore

/// Who may call the API: open (no `access.tokens`), or bearer tokens checked by their
/// SHA-256. The token table is replaced as a whole on config reload (SIGHUP); a request
/// takes the lock only to copy the table's reference, never while a pass runs.
public final class AccessControl: Sendable {
    /// The configured tokens (empty: the endpoint is open).
    private let box: NIOLockedValueBox<[ControllerConfig.APIToken]>

    /// Creates the access rules; no tokens means an open endpoint.
    public init(tokens: [ControllerConfig.APIToken] = []) {
        box = NIOLockedValueBox(tokens)
    }

    /// Replaces the tokens (reload). Returns the names added and removed, and those whose
    /// hash, scopes or namespaces changed, for the audit record.
    @discardableResult
    public func replace(_ tokens: [ControllerConfig.APIToken]) -> TokenSetChange {
        let old = box.withLockedValue { current in
            defer { current = tokens }
            return current
        }
        return TokenSetChange(old: old, new: tokens)
    }

    /// Whether tokens are required.
    public var isEnforced: Bool { !box.withLockedValue { $0 }.isEmpty }

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
        let tokens = box.withLockedValue { $0 }
        if tokens.isEmpty { return .open }
        guard let header, let token = Self.bearerToken(header) else { return .missing }
        let digest = Array(SHA256.hash(data: Array(token)))
        var found: ControllerConfig.APIToken?
        for entry in tokens where Self.constantTimeEqual(entry.sha256, digest) {
            found = entry
        }
        return found.map { .granted(AccessGrant($0)) } ?? .unknown
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

    /// Byte equality whose time depends only on the length.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
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
