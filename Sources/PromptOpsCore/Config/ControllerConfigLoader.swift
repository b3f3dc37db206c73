import Foundation

/// Reads a `ControllerConfig` file: YAML with positions, the strict schema, then the rules a
/// schema cannot say (unique names, known receivers, no credentials in URLs, secrets never
/// inline). Every problem is a diagnostic at `path:line:col`; nothing is read from the
/// environment or from secret files here.
public struct ControllerConfigLoader: Sendable {
    /// Creates a loader.
    public init() {}

    /// The configuration, or the problems that keep it from being used (errors only).
    public func load(_ bytes: [UInt8], path: String) -> Result<ControllerConfig, ConfigProblems> {
        let (documents, parseProblems) = YAMLDocumentReader().read(bytes, path: path)
        if !parseProblems.isEmpty { return .failure(ConfigProblems(parseProblems)) }
        guard documents.count == 1, let root = documents.first else {
            return .failure(ConfigProblems([Diagnostic(.error, at: SourceLocation(path: path, line: 1, column: 1),
                "a controller configuration file holds exactly one YAML document (found \(documents.count))")]))
        }
        let checker = SchemaChecker(definitions: ControllerConfigSchema.definitions)
        var problems = checker.check(root, against: .object(ControllerConfigSchema.document), fieldPath: "").map(Self.explainInlineSecret)
        if !problems.isEmpty { return .failure(ConfigProblems(problems)) }
        let config = decode(root, problems: &problems)
        if !problems.isEmpty { return .failure(ConfigProblems(problems)) }
        return .success(config)
    }

    /// Fields that hold secrets; a plain string there is an inline secret.
    static let secretFields: Set<String> = ["privateKey", "passphrase", "knownHosts", "password", "caFile", "secret", "token", "trustedKeys", "value"]

    static func explainInlineSecret(_ d: Diagnostic) -> Diagnostic {
        guard d.message.contains("expected a mapping, got a string"),
              let field = d.message.split(separator: ":").first?.split(separator: ".").last,
              secretFields.contains(String(field)) else { return d }
        var copy = d
        // The message must not repeat the value: it is a secret written where it should not be.
        copy.message = "\(d.message.split(separator: ":").first!): secrets are never written inline; use {fromEnv: VARIABLE} or {fromFile: /path}"
        return copy
    }

    private func decode(_ root: LocatedValue, problems: inout [Diagnostic]) -> ControllerConfig {
        var config = ControllerConfig()
        func error(_ at: LocatedValue, _ text: String) { problems.append(Diagnostic(.error, at: at.location, text)) }
        if let listen = root["listen"] {
            if Self.address(listen.string ?? "") == nil { error(listen, "listen: '\(listen.string ?? "")' is not HOST:PORT") }
            config.listen = listen.string
        }
        config.storePath = root["store"]?["path"]?.string
        config.accessOpen = root["access"]?["open"]?.bool ?? false
        var tokenNames: Set<String> = [], tokenHashes: Set<[UInt8]> = []
        for (i, node) in (root["access"]?["tokens"]?.array ?? []).enumerated() {
            guard let name = node["name"]?.string, let hex = node["sha256"]?.string, let digest = Self.hexBytes(hex) else { continue }
            if !tokenNames.insert(name).inserted, let at = node["name"] { error(at, "access.tokens[\(i)].name: '\(name)' is used by another token; names are unique") }
            if name == "unknown", let at = node["name"] {
                error(at, "access.tokens[\(i)].name: 'unknown' is reserved (metrics count requests with an unknown token under it)")
            }
            if !tokenHashes.insert(digest).inserted, let at = node["sha256"] { error(at, "access.tokens[\(i)].sha256: another token has the same hash") }
            let scopes = Set((node["scopes"]?.array ?? []).compactMap { $0.string.flatMap(ControllerConfig.APIToken.Scope.init(rawValue:)) })
            config.tokens.append(.init(name: name, sha256: digest, namespaces: node["namespaces"]?.array?.compactMap(\.string) ?? [], scopes: scopes))
        }
        var secretNames: Set<String> = []
        for (i, node) in (root["secrets"]?.array ?? []).enumerated() {
            guard let name = node["name"]?.string, let value = Self.secret(node["value"]) else { continue }
            if !secretNames.insert(name).inserted, let at = node["name"] { error(at, "secrets[\(i)].name: '\(name)' is used by another secret; names are unique") }
            config.secrets.append(.init(name: name, value: value, namespaces: node["namespaces"]?.array?.compactMap(\.string) ?? []))
        }
        for (i, node) in (root["egress"]?.array ?? []).enumerated() {
            let urls = node["urls"]?.array ?? []
            for (j, u) in urls.enumerated() {
                let text = u.string ?? ""
                if !(text.hasPrefix("http://") || text.hasPrefix("https://")) || Self.urlHasUserInfo(text) {
                    error(u, "egress[\(i)].urls[\(j)]: expected an http:// or https:// URL prefix without credentials")
                }
            }
            config.egress.append(.init(namespaces: node["namespaces"]?.array?.compactMap(\.string) ?? [], urls: urls.compactMap(\.string)))
        }
        if let node = root["retention"] {
            config.retention = Self.retention(node, error: error)
        }
        if let node = root["telemetry"]?["traces"], let endpoint = node["endpoint"]?.string {
            var traces = ControllerConfig.Traces(endpoint: endpoint)
            if !(endpoint.hasPrefix("http://") || endpoint.hasPrefix("https://")) || Self.urlHasUserInfo(endpoint), let at = node["endpoint"] {
                error(at, "telemetry.traces.endpoint: expected an http:// or https:// URL without credentials (OTLP/HTTP, such as http://127.0.0.1:4318/v1/traces)")
            }
            if let encoding = node["protocol"]?.string { traces.encoding = encoding }
            if let ratio = node["sampleRatio"]?.double { traces.sampleRatio = ratio }
            if let name = node["serviceName"]?.string { traces.serviceName = name }
            config.traces = traces
        }
        if config.accessOpen && !config.tokens.isEmpty, let at = root["access"] {
            error(at, "access: `open: true` and tokens contradict each other; remove one")
        }
        var names: Set<String> = []
        for (i, node) in (root["sources"]?.array ?? []).enumerated() {
            guard let source = decodeSource(node, index: i, error: error) else { continue }
            if !names.insert(source.name).inserted, let at = node["name"] { error(at, "sources[\(i)].name: '\(source.name)' is used by another source; names are unique") }
            config.sources.append(source)
        }
        var receiverNames: Set<String> = []
        for (i, node) in (root["receivers"]?.array ?? []).enumerated() {
            guard let receiver = decodeReceiver(node, index: i, error: error) else { continue }
            if !receiverNames.insert(receiver.name).inserted, let at = node["name"] { error(at, "receivers[\(i)].name: '\(receiver.name)' is used by another receiver; names are unique") }
            config.receivers.append(receiver)
        }
        for (i, node) in (root["notifications"]?.array ?? []).enumerated() {
            let receiver = node["receiver"]?.string ?? ""
            if !receiverNames.contains(receiver), let at = node["receiver"] {
                error(at, "notifications[\(i)].receiver: no receiver is named '\(receiver)'")
            }
            config.notifications.append(.init(receiver: receiver, namespaces: node["namespaces"]?.array?.compactMap(\.string) ?? [],
                                              events: node["events"]?.array?.compactMap(\.string) ?? []))
        }
        return config
    }

    /// `retention:`: each table's `maxAge` and `maxCount` over the defaults, and `interval`.
    static func retention(_ node: LocatedValue, error: (LocatedValue, String) -> Void) -> RetentionPolicy {
        var policy = RetentionPolicy()
        func limit(_ key: String, _ base: RetentionPolicy.Limit) -> RetentionPolicy.Limit {
            var out = base
            guard let table = node[key] else { return out }
            if let age = table["maxAge"] {
                if let d = age.string.flatMap(Duration.parse), d >= .seconds(60) { out.maxAge = d }
                else { error(age, "retention.\(key).maxAge: at least 1m (a duration such as 720h)") }
            }
            if let count = table["maxCount"]?.int { out.maxCount = count }
            return out
        }
        policy.events = limit("events", policy.events)
        policy.measurements = limit("measurements", policy.measurements)
        policy.history = limit("history", policy.history)
        if let interval = node["interval"] {
            if let d = interval.string.flatMap(Duration.parse), d >= .seconds(1) { policy.interval = d }
            else { error(interval, "retention.interval: at least 1s") }
        }
        return policy
    }

    private func decodeSource(_ node: LocatedValue, index i: Int, error: (LocatedValue, String) -> Void) -> ControllerConfig.Source? {
        guard let name = node["name"]?.string, let urlNode = node["url"], let url = urlNode.string else { return nil }
        var source = ControllerConfig.Source(name: name, url: url)
        if let branch = node["branch"]?.string { source.branch = branch }
        if let path = node["path"]?.string { source.path = path }
        source.browseURL = node["browseURL"]?.string
        if let interval = node["interval"]?.string.flatMap(Duration.parse) { source.interval = interval }
        if let timeout = node["timeout"]?.string.flatMap(Duration.parse) { source.timeout = timeout }
        if let at = node["interval"], source.interval < .milliseconds(100) { error(at, "sources[\(i)].interval: at least 100ms") }
        if let at = node["timeout"], source.timeout < .milliseconds(100) { error(at, "sources[\(i)].timeout: at least 100ms") }
        let scheme = GitURLScheme(url)
        if Self.urlHasPassword(url) || (scheme == .http && Self.urlHasUserInfo(url)) {
            // Say where, not what: the URL holds a credential (a token is often written as the user).
            error(urlNode, "sources[\(i)].url: credentials must not be written in the URL; use auth.https with {fromEnv} or {fromFile}")
        }
        if let auth = node["auth"] {
            if let ssh = auth["ssh"] {
                source.auth = .ssh(privateKey: Self.secret(ssh["privateKey"])!, passphrase: Self.secret(ssh["passphrase"]),
                                   knownHosts: Self.secret(ssh["knownHosts"])!)
                if scheme != .ssh { error(ssh, "sources[\(i)].auth.ssh: the URL is not an ssh:// or user@host:path URL") }
            } else if let https = auth["https"] {
                source.auth = .https(username: https["username"]?.string ?? "", password: Self.secret(https["password"])!,
                                     caFile: Self.secret(https["caFile"]))
                if scheme != .http { error(https, "sources[\(i)].auth.https: the URL is not an https:// or http:// URL") }
            }
        }
        source.webhookSecret = Self.secret(node["webhook"]?["secret"])
        source.namespaces = node["namespaces"]?.array?.compactMap(\.string)
        source.platform = node["platform"]?.bool ?? false
        if let verify = node["verify"], let mode = verify["mode"]?.string.flatMap(ControllerConfig.CommitVerification.Mode.init(rawValue:)),
           let keys = Self.secret(verify["trustedKeys"]) {
            source.verify = .init(mode: mode, trustedKeys: keys)
        }
        return source
    }

    private func decodeReceiver(_ node: LocatedValue, index i: Int, error: (LocatedValue, String) -> Void) -> ControllerConfig.Receiver? {
        guard let name = node["name"]?.string, let kind = node["type"]?.string.flatMap(ControllerConfig.Receiver.Kind.init(rawValue:)),
              let urlNode = node["url"] else { return nil }
        let url: SecretOrValue
        if let text = urlNode.string {
            if kind == .slack {
                error(urlNode, "receivers[\(i)].url: a Slack webhook URL is a secret; use {fromEnv: VARIABLE} or {fromFile: /path}")
            } else if !(text.hasPrefix("https://") || text.hasPrefix("http://")) {
                error(urlNode, "receivers[\(i)].url: expected an http:// or https:// URL")
            }
            url = .inline(text)
        } else if let ref = Self.secret(urlNode), urlNode.members?.count == 1 {
            url = .secret(ref)
        } else {
            error(urlNode, "receivers[\(i)].url: expected a URL, {fromEnv: VARIABLE} or {fromFile: /path}")
            return nil
        }
        let receiver = ControllerConfig.Receiver(name: name, kind: kind, url: url, repository: node["repository"]?.string,
                                                 token: Self.secret(node["token"]))
        if kind == .github || kind == .gitlab {
            if receiver.repository == nil { error(node, "receivers[\(i)]: a \(kind.rawValue) receiver needs 'repository'") }
            if receiver.token == nil { error(node, "receivers[\(i)]: a \(kind.rawValue) receiver needs 'token'") }
        }
        return receiver
    }

    /// Whether a `scheme://user:password@host/…` URL carries a password.
    static func urlHasPassword(_ url: String) -> Bool {
        userInfo(url)?.contains(":") ?? false
    }

    /// Whether a `scheme://user@host/…` URL carries user info at all.
    static func urlHasUserInfo(_ url: String) -> Bool {
        userInfo(url) != nil
    }

    /// The `user[:password]` of a `scheme://user[:password]@host/…` URL.
    static func userInfo(_ url: String) -> Substring? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let authority = url[schemeEnd.upperBound...].prefix { $0 != "/" }
        return authority.lastIndex(of: "@").map { authority[..<$0] }
    }

    /// The bytes of lower-case hex (the schema checked the format).
    static func hexBytes(_ hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[i...i + 1], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }

    static func secret(_ node: LocatedValue?) -> SecretRef? {
        guard let node else { return nil }
        if let name = node["fromEnv"]?.string { return .env(name) }
        if let path = node["fromFile"]?.string { return .file(path) }
        return nil
    }

    /// `HOST:PORT` split, or nil.
    public static func address(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }
}

/// The problems of a configuration file that cannot be used.
public struct ConfigProblems: Error, Sendable, CustomStringConvertible {
    /// Each at `path:line:col`.
    public var diagnostics: [Diagnostic]
    /// Creates the error.
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    /// One problem per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// What kind of transport a git URL needs (for matching credentials to it).
public enum GitURLScheme: Sendable, Equatable {
    case ssh, http, file, local

    /// Classifies a URL as git does.
    public init(_ url: String) {
        if url.hasPrefix("ssh://") || url.hasPrefix("git+ssh://") { self = .ssh }
        else if url.hasPrefix("https://") || url.hasPrefix("http://") { self = .http }
        else if url.hasPrefix("file://") { self = .file }
        else if let colon = url.firstIndex(of: ":"), !url.hasPrefix("/"), url[..<colon].firstIndex(of: "/") == nil { self = .ssh }
        else { self = .local }
    }
}
