import Foundation

/// What analysis providers of a namespace may use, from the controller config: the secrets
/// granted to it (by name) and where its providers may connect (`egress` URL prefixes).
///
/// A manifest never names the controller's environment or files: a provider's credential
/// is a `secretRef` to a granted secret. Provider URLs must start with an `egress` prefix
/// granted to the namespace; with no `egress` section at all, public addresses are allowed
/// and loopback, link-local, private and unspecified addresses (`localhost`, 127.0.0.0/8,
/// 10/8, 172.16/12, 192.168/16, 169.254/16 — cloud metadata —, 100.64/10, 0.0.0.0, ::1,
/// fc00::/7, fe80::/10) are refused unless listed.
public struct ProviderGrants: Sendable, Equatable {
    /// A secret's name and the namespaces (globs) that may name it.
    public struct Secret: Sendable, Equatable {
        public var name: String
        public var namespaces: [String]
        public init(name: String, namespaces: [String]) {
            self.name = name
            self.namespaces = namespaces
        }
    }

    /// URL prefixes the providers of some namespaces may reach.
    public struct Egress: Sendable, Equatable {
        public var namespaces: [String]
        public var urls: [String]
        public init(namespaces: [String], urls: [String]) {
            self.namespaces = namespaces
            self.urls = urls
        }
    }

    public var secrets: [Secret]
    public var egress: [Egress]

    /// Creates the grants.
    public init(secrets: [Secret] = [], egress: [Egress] = []) {
        self.secrets = secrets
        self.egress = egress
    }

    /// Whether `namespace` may name secret `name`.
    public func grants(secret name: String, to namespace: String) -> Bool {
        secrets.contains { $0.name == name && $0.namespaces.contains { Glob.matches($0, namespace) } }
    }

    /// Why a provider of `namespace` may not connect to `url`, or nil when it may.
    public func refusal(of url: String, for namespace: String) -> String? {
        guard let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = parsed.host, !host.isEmpty else {
            return "'\(url)' is not an http:// or https:// URL with a host"
        }
        if parsed.user != nil || parsed.password != nil { return "a provider URL must not carry credentials; use secretRef" }
        let granted = egress.filter { rule in rule.namespaces.contains { Glob.matches($0, namespace) } }.flatMap(\.urls)
        let normal = Self.normalized(url)
        if granted.contains(where: { normal.hasPrefix(Self.normalized($0)) }) { return nil }
        if !egress.isEmpty {
            return "'\(url)' is not under an egress URL granted to namespace '\(namespace)'"
                + (granted.isEmpty ? " (none is)" : " (granted: \(granted.joined(separator: ", ")))")
        }
        if let kind = Self.internalAddress(host) {
            return "'\(url)' is a \(kind) address; list it under egress in the controller config to allow it"
        }
        return nil
    }

    /// The located problems of one Deployment's analysis providers.
    public func check(_ deployment: Deployment) -> [Diagnostic] {
        guard let metrics = deployment.analysis?.metrics else { return [] }
        let namespace = deployment.meta.namespace
        let document = deployment.document  // read once: a Deployment keeps it packed
        let nodes = document.at("spec", "analysis", "metrics")?.array ?? []
        var out: [Diagnostic] = []
        if let judge = deployment.analysis?.judge {
            let node = document.at("spec", "analysis", "judge", "evaluation")
            func error(_ key: String, _ message: String) {
                out.append(Diagnostic(.error, at: (node?[key] ?? node ?? document).location,
                    "spec.analysis.judge.evaluation.\(key): \(message)", kind: "Deployment", name: deployment.meta.name,
                    namespace: namespace))
            }
            if let secretRef = judge.secretRef, !grants(secret: secretRef, to: namespace) {
                error("secretRef", "no secret '\(secretRef)' is granted to namespace '\(namespace)' by the controller config")
            }
            if let reason = refusal(of: judge.endpoint, for: namespace) { error("endpoint", reason) }
        }
        for (i, metric) in metrics.enumerated() {
            let node = nodes.indices.contains(i) ? nodes[i]["provider"] : nil
            func error(_ field: [String], _ message: String) {
                var at = node
                for key in field { at = at?[key] }
                out.append(Diagnostic(.error, at: (at ?? node ?? document).location,
                    "spec.analysis.metrics[\(i)] (\(metric.name)): \(message)", kind: "Deployment", name: deployment.meta.name,
                    namespace: namespace))
            }
            switch metric.provider {
            case .evaluation(let endpoint, _, let secretRef, _, _):
                if let secretRef, !grants(secret: secretRef, to: namespace) {
                    error(["evaluation", "secretRef"], "no secret '\(secretRef)' is granted to namespace '\(namespace)' by the controller config")
                }
                if let reason = refusal(of: endpoint, for: namespace) { error(["evaluation", "endpoint"], reason) }
            case .prometheus(let address, _, _):
                if let reason = refusal(of: address, for: namespace) { error(["prometheus", "address"], reason) }
            case .web(let url, _, _):
                // Checked as it is called: with `{{variant}}` replaced by each variant.
                let urls = Set(["stable", "canary"].map { url.replacingOccurrences(of: Deployment.Metric.variantPlaceholder, with: $0) })
                if let reason = urls.sorted().lazy.compactMap({ refusal(of: $0, for: namespace) }).first { error(["web", "url"], reason) }
            case .comparative:
                break  // never written in metrics; the judge is checked above
            }
        }
        return out
    }

    /// Scheme and host lower-cased, for prefix comparison.
    static func normalized(_ url: String) -> String {
        guard let range = url.range(of: "://") else { return url }
        let rest = url[range.upperBound...]
        let hostEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        return url[..<range.upperBound].lowercased() + rest[..<hostEnd].lowercased() + rest[hostEnd...]
    }

    /// The kind of a non-public host, or nil for a public one (names other than `localhost`
    /// count as public: they are checked again when the controller connects).
    static func internalAddress(_ host: String) -> String? {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if h == "localhost" || h.hasSuffix(".localhost") { return "loopback" }
        if h.contains(":") {
            if h == "::1" { return "loopback" }
            if h == "::" { return "unspecified" }
            if h.hasPrefix("fe8") || h.hasPrefix("fe9") || h.hasPrefix("fea") || h.hasPrefix("feb") { return "link-local" }
            if h.hasPrefix("fc") || h.hasPrefix("fd") { return "private" }
            if h.hasPrefix("::ffff:") { return internalAddress(String(h.dropFirst(7))) }
            return nil
        }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false).map { UInt8($0) }
        // `2130706433`, `0x7f.1`, `127.1`: numeric forms the resolver reads as addresses.
        let numeric = !h.isEmpty && h.allSatisfy { $0.isHexDigit || $0 == "." || $0 == "x" } && h.first!.isNumber
        guard parts.count == 4, parts.allSatisfy({ $0 != nil }) else { return numeric ? "non-canonical numeric" : nil }
        let a = parts[0]!, b = parts[1]!
        switch (a, b) {
        case (127, _): return "loopback"
        case (0, _): return "unspecified"
        case (10, _), (192, 168): return "private"
        case (172, 16...31): return "private"
        case (100, 64...127): return "shared (carrier-grade NAT)"
        case (169, 254): return "link-local (cloud metadata)"
        default: return nil
        }
    }
}
