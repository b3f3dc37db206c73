import Crypto
import Foundation

/// An OpenSSH `known_hosts` file, to decide whether a server's host key is the one expected.
/// Supports plain and hashed (`|1|salt|hash`) host names, `[host]:port`, `*`/`?` wildcards,
/// negated patterns and `@revoked`; `@cert-authority` lines are ignored (certificates are not
/// checked, so a CA line never vouches for a key).
public struct KnownHosts: Sendable {
    struct Entry: Sendable {
        var patterns: [String]
        var keyType: String
        var key: [UInt8]
        var revoked: Bool
    }

    var entries: [Entry] = []

    /// What the file says about a presented key.
    public enum Verdict: Sendable, Equatable {
        /// A line for the host holds this key.
        case trusted
        /// Lines for the host exist, with other keys (it changed, or someone is in between).
        case changed
        /// No line names the host.
        case unknown
        /// The key is marked `@revoked`.
        case revoked
    }

    /// Parses the file; lines that do not parse are skipped (as ssh does).
    public init(_ text: String) {
        for raw in text.split(whereSeparator: \.isNewline) {
            var fields = raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            var revoked = false
            if first.hasPrefix("@") {
                guard first == "@revoked" else { continue }
                revoked = true
                fields.removeFirst()
            }
            guard fields.count >= 3, let key = Data(base64Encoded: fields[2]) else { continue }
            entries.append(Entry(patterns: fields[0].split(separator: ",").map(String.init), keyType: fields[1], key: Array(key), revoked: revoked))
        }
    }

    /// The verdict for `key` (the SSH wire-format public key blob) presented by `host:port`.
    public func check(host: String, port: Int, key: [UInt8]) -> Verdict {
        let name = port == 22 ? host : "[\(host)]:\(port)"
        let lines = entries.filter { Self.matches(name, $0.patterns) }
        if lines.contains(where: { $0.revoked && $0.key == key }) { return .revoked }
        let live = lines.filter { !$0.revoked }
        if live.contains(where: { $0.key == key }) { return .trusted }
        return live.isEmpty ? .unknown : .changed
    }

    /// `SHA256:…` as `ssh-keygen -l` prints it.
    public static func fingerprint(_ key: [UInt8]) -> String {
        let digest = Data(SHA256.hash(data: key)).base64EncodedString()
        return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
    }

    /// The key type named inside a wire-format key blob (`ssh-ed25519`, `ssh-rsa`…).
    public static func keyType(_ key: [UInt8]) -> String {
        guard key.count >= 4 else { return "unknown" }
        let length = Int(key[0]) << 24 | Int(key[1]) << 16 | Int(key[2]) << 8 | Int(key[3])
        guard length > 0, length < 64, key.count >= 4 + length else { return "unknown" }
        return String(decoding: key[4..<(4 + length)], as: UTF8.self)
    }

    /// Whether `name` matches a line's patterns: some positive pattern matches and no negated one does.
    static func matches(_ name: String, _ patterns: [String]) -> Bool {
        var matched = false
        for pattern in patterns {
            if pattern.hasPrefix("|1|") {
                if hashedMatches(name, pattern) { matched = true }
            } else if pattern.hasPrefix("!") {
                if Glob.matches(String(pattern.dropFirst()).lowercased(), name.lowercased()) { return false }
            } else if Glob.matches(pattern.lowercased(), name.lowercased()) {
                matched = true
            }
        }
        return matched
    }

    /// `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
    static func hashedMatches(_ name: String, _ pattern: String) -> Bool {
        let parts = pattern.split(separator: "|", omittingEmptySubsequences: true)
        guard parts.count == 3, let salt = Data(base64Encoded: String(parts[1])), let hash = Data(base64Encoded: String(parts[2])) else { return false }
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(name.utf8), using: SymmetricKey(data: salt))
        return Data(mac) == hash
    }
}
