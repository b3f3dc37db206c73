import Foundation
import PromptOpsCore

/// What a fetch authenticates with, secrets already read. Never printed: `description`
/// names the method only.
public enum GitCredentials: Sendable, Codable, Equatable, CustomStringConvertible {
    /// Anonymous (or a local repository).
    case none
    /// An SSH key file (+ passphrase); the server's key must be in `knownHosts` (OpenSSH format).
    case ssh(privateKeyPath: String, passphrase: String?, knownHosts: String)
    /// Basic auth over HTTP(S); `caFile` trusts a private certificate authority.
    case https(username: String, password: String, caFile: String?)

    /// The method, without any secret.
    public var description: String {
        switch self {
        case .none: return "none"
        case .ssh: return "ssh key"
        case .https(let username, _, _): return "https as \(username)"
        }
    }
}

/// State the libgit2 callbacks of one fetch share (through their payload pointer): the
/// credentials, how often the server asked for them, the deadline, and the reason the
/// fetch was refused, so the error names the host key rather than libgit2's generic text.
final class FetchSession {
    let credentials: GitCredentials
    let host: String
    let port: Int
    let deadline: ContinuousClock.Instant?
    var credentialRequests = 0
    var refusal: String?

    init(credentials: GitCredentials, url: String, deadline: ContinuousClock.Instant?) {
        self.credentials = credentials
        (host, port) = Self.hostAndPort(url)
        self.deadline = deadline
    }

    var isPastDeadline: Bool { deadline.map { ContinuousClock.now >= $0 } ?? false }

    /// Host and port of `ssh://[user@]host[:port]/path` or `user@host:path` (port 22).
    static func hostAndPort(_ url: String) -> (String, Int) {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") {
            rest = rest[scheme.upperBound...]
            let authority = rest.prefix { $0 != "/" }
            let hostPort = authority.split(separator: "@").last.map(String.init) ?? ""
            if hostPort.hasPrefix("["), let close = hostPort.firstIndex(of: "]") {
                let host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
                let port = Int(hostPort[hostPort.index(after: close)...].dropFirst()) ?? 22
                return (host, port)
            }
            let parts = hostPort.split(separator: ":")
            return (parts.first.map(String.init) ?? "", parts.count > 1 ? Int(parts[1]) ?? 22 : 22)
        }
        let beforeColon = rest.prefix { $0 != ":" }
        return (beforeColon.split(separator: "@").last.map(String.init) ?? "", 22)
    }

    /// Checks an SSH host key against `known_hosts`; nil when trusted, else why not.
    func refuseHostKey(_ key: [UInt8]) -> String? {
        guard case .ssh(_, _, let knownHostsText) = credentials else { return nil }
        let fingerprint = KnownHosts.fingerprint(key)
        let type = KnownHosts.keyType(key)
        let name = port == 22 ? host : "[\(host)]:\(port)"
        switch KnownHosts(knownHostsText).check(host: host, port: port, key: key) {
        case .trusted: return nil
        case .unknown: return "host key of \(name) is not in known_hosts (\(type) \(fingerprint)); refusing to connect"
        case .changed: return "host key of \(name) does not match known_hosts (got \(type) \(fingerprint)); refusing to connect (changed key or a machine in between)"
        case .revoked: return "host key of \(name) is revoked in known_hosts (\(type) \(fingerprint)); refusing to connect"
        }
    }
}
