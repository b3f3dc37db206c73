import Foundation

/// The controller's configuration file (`kind: ControllerConfig`, controller-config.md):
/// where to listen, the store, the git sources, and who is notified of what. Secrets are
/// only references (``SecretRef``); they are read when the controller starts or reloads.
public struct ControllerConfig: Sendable, Equatable {
    /// `HOST:PORT` of the HTTP endpoint (nil: the command's default).
    public var listen: String?
    /// The SQLite serving store (nil: `--db` must be given).
    public var storePath: String?
    /// The git sources, each feeding its namespaces into the one store.
    public var sources: [Source]
    /// Where notifications go.
    public var receivers: [Receiver]
    /// Which events go to which receiver.
    public var notifications: [Notification]
    /// `access: {open: true}`: the endpoint is open on purpose (a non-loopback listen needs it).
    public var accessOpen: Bool
    /// `access.tokens`: with any, every request but the probes and webhooks needs a bearer token.
    public var tokens: [APIToken] = []
    /// `secrets`: what analysis providers may send, named by manifests with `secretRef`.
    public var secrets: [ProviderSecret] = []
    /// `egress`: where analysis providers may connect (nil: no section; public addresses only).
    public var egress: [ProviderGrants.Egress] = []
    /// `retention`: how long events, measurements and history are kept.
    public var retention = RetentionPolicy()
    /// `telemetry.traces`: where OpenTelemetry traces go (nil: no traces).
    public var traces: Traces?

    /// OpenTelemetry traces exported over OTLP/HTTP.
    public struct Traces: Sendable, Equatable {
        /// The OTLP/HTTP traces URL (`http://collector:4318/v1/traces`).
        public var endpoint: String
        /// `http/protobuf` (default) or `http/json`.
        public var encoding: String = "http/protobuf"
        /// The fraction of traces started here that are kept (a request's `traceparent` decides for its own).
        public var sampleRatio: Double = 1
        /// `service.name` of the spans.
        public var serviceName: String = "promptops"

        /// Creates a traces section.
        public init(endpoint: String, encoding: String = "http/protobuf", sampleRatio: Double = 1, serviceName: String = "promptops") {
            self.endpoint = endpoint
            self.encoding = encoding
            self.sampleRatio = sampleRatio
            self.serviceName = serviceName
        }

        /// The encodings an OTLP/HTTP exporter speaks.
        public static let encodings = ["http/protobuf", "http/json"]
    }

    /// A provider credential: read from the environment or a file, granted to namespaces.
    public struct ProviderSecret: Sendable, Equatable {
        public var name: String
        public var value: SecretRef
        public var namespaces: [String]
    }

    /// The grants the reconciler checks manifests against.
    public var providerGrants: ProviderGrants {
        ProviderGrants(secrets: secrets.map { .init(name: $0.name, namespaces: $0.namespaces) }, egress: egress)
    }

    /// Creates a configuration.
    public init(listen: String? = nil, storePath: String? = nil, sources: [Source] = [], receivers: [Receiver] = [],
                notifications: [Notification] = [], accessOpen: Bool = false) {
        self.listen = listen
        self.storePath = storePath
        self.sources = sources
        self.receivers = receivers
        self.notifications = notifications
        self.accessOpen = accessOpen
    }

    /// One git repository (or a folder of it) the controller follows.
    public struct Source: Sendable, Equatable {
        /// Unique DNS label; names the webhook path and the status entry.
        public var name: String
        /// `ssh://`, `https://`, `http://`, `file://`, scp-like `user@host:path`, or a local path.
        public var url: String
        /// The branch followed.
        public var branch: String
        /// The folder inside the repository holding manifests ("" for the root).
        public var path: String
        /// Link template for the dashboard (`{revision}`, `{path}`, `{line}`).
        public var browseURL: String?
        /// Time between polls.
        public var interval: Duration
        /// Bound on one connect + fetch.
        public var timeout: Duration
        /// Credentials, if the remote needs them.
        public var auth: GitAuthConfig?
        /// The secret push webhooks are signed with (nil: no webhook for this source).
        public var webhookSecret: SecretRef?
        /// Namespace globs this source may write (nil: all).
        public var namespaces: [String]?
        /// Whether its Policies may govern other namespaces (`spec.namespaces`).
        public var platform: Bool = false
        /// Only commits signed by a trusted key apply (nil: any commit).
        public var verify: CommitVerification?

        /// Creates a source.
        public init(name: String, url: String, branch: String = "main", path: String = "", browseURL: String? = nil,
                    interval: Duration = .seconds(30), timeout: Duration = .seconds(60), auth: GitAuthConfig? = nil,
                    webhookSecret: SecretRef? = nil) {
            self.name = name
            self.url = url
            self.branch = branch
            self.path = path
            self.browseURL = browseURL
            self.interval = interval
            self.timeout = timeout
            self.auth = auth
            self.webhookSecret = webhookSecret
        }
    }

    /// `sources[].verify`: how commits must be signed.
    public struct CommitVerification: Sendable, Equatable {
        /// Git's two signature formats.
        public enum Mode: String, Sendable, Equatable, CaseIterable {
            /// SSH signatures (`gpg.format=ssh`), checked against an `allowed_signers` file.
            case ssh
            /// OpenPGP signatures, checked against a keyring (`gpg --export`).
            case openpgp
        }
        /// The format required.
        public var mode: Mode
        /// The trusted keys: an `allowed_signers` file (ssh) or a public keyring (openpgp).
        public var trustedKeys: SecretRef
    }

    /// An API bearer token: only its SHA-256 is configured.
    public struct APIToken: Sendable, Equatable {
        /// What the token may do.
        public enum Scope: String, Sendable, Equatable, Hashable, CaseIterable {
            /// status, templates, deployments, events in the token's namespaces.
            case read
            /// resolve and render in the token's namespaces.
            case render
            /// `/api/v1/audit` (every record).
            case audit
            /// `/metrics`.
            case metrics
        }
        /// Unique name: shown in metrics and audit records (never the token).
        public var name: String
        /// SHA-256 of the token, 32 bytes.
        public var sha256: [UInt8]
        /// Namespace globs the token sees.
        public var namespaces: [String]
        /// What it may do there.
        public var scopes: Set<Scope>

        /// Creates a token entry.
        public init(name: String, sha256: [UInt8], namespaces: [String], scopes: Set<Scope>) {
            self.name = name
            self.sha256 = sha256
            self.namespaces = namespaces
            self.scopes = scopes
        }
    }

    /// Git credentials: exactly one of SSH or HTTP(S).
    public enum GitAuthConfig: Sendable, Equatable {
        /// A private key (+ passphrase), with the server's host key checked against `knownHosts`.
        case ssh(privateKey: SecretRef, passphrase: SecretRef?, knownHosts: SecretRef)
        /// Basic auth (a token as the password), optionally trusting a private CA.
        case https(username: String, password: SecretRef, caFile: SecretRef?)
    }

    /// A notification target.
    public struct Receiver: Sendable, Equatable {
        /// `webhook`, `slack`, `github`, `gitlab`.
        public enum Kind: String, Sendable, Equatable, CaseIterable {
            case webhook, slack, github, gitlab
        }
        /// Unique name, referenced by `notifications[].receiver`.
        public var name: String
        /// What it speaks.
        public var kind: Kind
        /// Target URL (webhook, slack) or API base (github, gitlab): inline or a secret.
        public var url: SecretOrValue
        /// `owner/repo` (github) or a project id or path (gitlab).
        public var repository: String?
        /// API token (github, gitlab).
        public var token: SecretRef?
    }

    /// Which events of which namespaces go to a receiver.
    public struct Notification: Sendable, Equatable {
        /// The receiver's name.
        public var receiver: String
        /// Namespace globs (empty: all).
        public var namespaces: [String]
        /// Event types (empty: all).
        public var events: [String]
    }
}

/// Where a secret comes from; its value is never written in the configuration file.
public enum SecretRef: Sendable, Equatable, CustomStringConvertible {
    /// An environment variable of the controller.
    case env(String)
    /// A file (read whole, one trailing newline removed).
    case file(String)

    /// `env:NAME` or `file:PATH`: where, never what.
    public var description: String {
        switch self {
        case .env(let name): return "environment variable \(name)"
        case .file(let path): return "file \(path)"
        }
    }
}

/// A value that may be written inline or come from a secret (a Slack URL is a secret, an
/// API base is not).
public enum SecretOrValue: Sendable, Equatable {
    /// Written in the file.
    case inline(String)
    /// Read from the environment or a file.
    case secret(SecretRef)
}
