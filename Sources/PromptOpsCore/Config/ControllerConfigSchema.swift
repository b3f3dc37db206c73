/// The `ControllerConfig` document as a schema: the single source for strict checking and
/// for `manifests/controllerconfig.schema.json`.
public enum ControllerConfigSchema {
    /// The kind name.
    public static let kind = "ControllerConfig"

    /// The event types a notification rule may name.
    public static let eventTypes = ["Applied", "Blocked", "SyncFailed", "CanaryStarted", "StepAdvanced", "Paused",
                                    "Promoted", "RolledBack", "Superseded", "Cancelled", "ManualOverride"]

    /// Definitions referenced by name.
    public static let definitions: [String: SchemaType] = ["Secret": .object(secret)]

    static let secret = ObjectSchema("A secret: read from an environment variable or a file, never written inline.", fields: [
        .init("fromEnv", .string(.init(minLength: 1)), "Name of an environment variable of the controller."),
        .init("fromFile", .string(.init(minLength: 1)), "Path of a file (read whole; one trailing newline is dropped)."),
    ], exactlyOneOf: [["fromEnv", "fromFile"]])

    static let ssh = ObjectSchema("SSH: a private key, checked host keys.", fields: [
        .init("privateKey", .reference("Secret"), required: true, "The private key (OpenSSH or PEM)."),
        .init("passphrase", .reference("Secret"), "The key's passphrase."),
        .init("knownHosts", .reference("Secret"), required: true, "The server's host keys in OpenSSH known_hosts format."),
    ])

    static let https = ObjectSchema("HTTP(S) basic auth (a token as password); also used for http:// URLs.", fields: [
        .init("username", .string(.init(minLength: 1)), required: true, "User name (GitHub: x-access-token; GitLab: oauth2)."),
        .init("password", .reference("Secret"), required: true, "Password or token."),
        .init("caFile", .reference("Secret"), "PEM bundle of a private certificate authority."),
    ])

    static let source = ObjectSchema("A git repository the controller follows.", fields: [
        .init("name", .string(.init(format: .dnsLabel)), required: true, "Unique name (DNS label): webhook path and status entry."),
        .init("url", .string(.init(minLength: 1)), required: true, "ssh://, https://, http://, file://, user@host:path, or a local path."),
        .init("branch", .string(.init(minLength: 1)), "The branch followed (default main)."),
        .init("path", .string(), "Sub-directory holding the manifests (default: the root)."),
        .init("browseURL", .string(.init(minLength: 1)), "Link to a file on the git host: {revision}, {path}, {line}."),
        .init("interval", .string(.init(format: .duration)), "Time between polls (default 30s)."),
        .init("timeout", .string(.init(format: .duration)), "Bound on one connect + fetch (default 60s)."),
        .init("auth", .object(ObjectSchema("Credentials: exactly one of ssh or https.", fields: [
            .init("ssh", .object(ssh), "SSH key authentication."),
            .init("https", .object(https), "HTTP(S) basic authentication."),
        ], exactlyOneOf: [["ssh", "https"]])), "Credentials for a private repository."),
        .init("webhook", .object(ObjectSchema("Push webhooks for this source.", fields: [
            .init("secret", .reference("Secret"), required: true, "Shared secret the sender signs with."),
        ])), "Accept push webhooks at POST /api/v1/webhooks/{name}."),
        .init("namespaces", .array(.string(.init(minLength: 1))),
              "Namespace globs this source may write (default: all); an object elsewhere is an error and is not applied."),
        .init("platform", .boolean, "true: its Policies may set spec.namespaces and govern other sources' namespaces."),
        .init("verify", .object(ObjectSchema("Only commits signed by a trusted key apply.", fields: [
            .init("mode", .string(.init(allowed: ControllerConfig.CommitVerification.Mode.allCases.map(\.rawValue))), required: true,
                  "ssh (git's SSH signatures, allowed_signers) or openpgp (a public keyring)."),
            .init("trustedKeys", .reference("Secret"), required: true,
                  "ssh: an allowed_signers file; openpgp: a keyring exported with gpg --export."),
        ])), "Signed commits only: an unsigned or untrusted commit blocks the source at that commit."),
    ])

    static let providerSecret = ObjectSchema("A credential analysis providers may send (a manifest's secretRef).", fields: [
        .init("name", .string(.init(format: .dnsLabel)), required: true, "What a provider's secretRef names."),
        .init("value", .reference("Secret"), required: true, "The value: {fromEnv} or {fromFile}."),
        .init("namespaces", .array(.string(.init(minLength: 1))), required: true, "Namespace globs that may use it."),
    ])

    static let egress = ObjectSchema("Where the analysis providers of some namespaces may connect.", fields: [
        .init("namespaces", .array(.string(.init(minLength: 1)), minItems: 1), required: true, "Namespace globs."),
        .init("urls", .array(.string(.init(minLength: 1)), minItems: 1), required: true,
              "URL prefixes (scheme and host, a path prefix optional): https://api.openai.com/, http://127.0.0.1:11434/."),
    ])

    static func retentionLimit(_ what: String, _ limit: RetentionPolicy.Limit) -> ObjectSchema {
        ObjectSchema("How long \(what) are kept.", fields: [
            .init("maxAge", .string(.init(format: .duration)), "Older ones are removed (default \(Int(limit.maxAge.components.seconds / 3_600))h)."),
            .init("maxCount", .integer(minimum: 1), "At most this many, the newest (default \(limit.maxCount))."),
        ])
    }

    static let retention = ObjectSchema(
        "How long the store keeps events, measurements and deployment history; audit records and template versions are never removed.",
        fields: [
            .init("events", .object(retentionLimit("events", RetentionPolicy().events)), "Events (not those with a notification still to deliver)."),
            .init("measurements", .object(retentionLimit("measurements", RetentionPolicy().measurements)),
                  "Analysis measurements (never those of a rollout in progress)."),
            .init("history", .object(retentionLimit("history entries", RetentionPolicy().history)), "Deployment history (version switches)."),
            .init("interval", .string(.init(format: .duration)), "How often to prune (default 1h)."),
        ])

    static let traces = ObjectSchema(
        "OpenTelemetry traces over OTLP/HTTP: a span per sync pass (fetch, load, validate, plan, apply per namespace), per rollout round and per HTTP request (a W3C traceparent header is honoured).",
        fields: [
            .init("endpoint", .string(.init(minLength: 1)), required: true, "The OTLP/HTTP traces URL, such as http://127.0.0.1:4318/v1/traces."),
            .init("protocol", .string(.init(allowed: ControllerConfig.Traces.encodings)), "http/protobuf (default) or http/json."),
            .init("sampleRatio", .number(minimum: 0, maximum: 1), "Fraction of the traces started here that are kept (default 1)."),
            .init("serviceName", .string(.init(minLength: 1)), "service.name of the spans (default promptops)."),
        ])

    static let token = ObjectSchema("An API bearer token; only its SHA-256 is written here.", fields: [
        .init("name", .string(.init(format: .dnsLabel)), required: true, "Unique name, shown in metrics and audit records."),
        .init("sha256", .string(.init(format: .sha256Hex)), required: true,
              "SHA-256 of the token, lower-case hex: printf %s \"$TOKEN\" | sha256sum."),
        .init("namespaces", .array(.string(.init(minLength: 1))), "Namespace globs the token sees (default: none)."),
        .init("scopes", .array(.string(.init(allowed: ControllerConfig.APIToken.Scope.allCases.map(\.rawValue))), minItems: 1), required: true,
              "read (status, templates, deployments, events), render (resolve, render), audit, metrics."),
    ])

    static let receiver = ObjectSchema("Where notifications go.", fields: [
        .init("name", .string(.init(format: .dnsLabel)), required: true, "Unique name."),
        .init("type", .string(.init(allowed: ControllerConfig.Receiver.Kind.allCases.map(\.rawValue))), required: true,
              "webhook (CloudEvents), slack (incoming webhook), github or gitlab (commit statuses)."),
        .init("url", .any, required: true, "Target URL (webhook, slack: a secret for slack) or API base (github, gitlab)."),
        .init("repository", .string(.init(minLength: 1)), "github: owner/repo; gitlab: project id or group/project."),
        .init("token", .reference("Secret"), "API token (github, gitlab)."),
    ])

    static let notification = ObjectSchema("Which events of which namespaces go to a receiver.", fields: [
        .init("receiver", .string(.init(format: .dnsLabel)), required: true, "A receiver's name."),
        .init("namespaces", .array(.string(.init(minLength: 1))), "Namespace globs (default: all)."),
        .init("events", .array(.string(.init(allowed: eventTypes))), "Event types (default: all)."),
    ])

    /// The whole document.
    public static let document = ObjectSchema("PromptOps controller configuration.", fields: [
        .init("apiVersion", .string(.init(allowed: [APISchemas.apiVersion])), required: true, "API version: \(APISchemas.apiVersion)."),
        .init("kind", .string(.init(allowed: [kind])), required: true, "ControllerConfig."),
        .init("listen", .string(.init(minLength: 1)), "HOST:PORT of the HTTP endpoint (default 127.0.0.1:8080)."),
        .init("store", .object(ObjectSchema("The serving store.", fields: [
            .init("path", .string(.init(minLength: 1)), required: true, "SQLite file (created when missing)."),
        ])), "The SQLite serving store."),
        .init("sources", .array(.object(source), minItems: 1), "The git sources."),
        .init("receivers", .array(.object(receiver)), "Notification targets."),
        .init("notifications", .array(.object(notification)), "Routing of events to receivers."),
        .init("secrets", .array(.object(providerSecret)), "Credentials analysis providers may send, by name and namespace."),
        .init("egress", .array(.object(egress)),
              "Where analysis providers may connect; without it, public addresses only (loopback, link-local and private refused)."),
        .init("retention", .object(retention), "How long events, measurements and history are kept."),
        .init("telemetry", .object(ObjectSchema("What the controller reports about itself besides /metrics.", fields: [
            .init("traces", .object(traces), "OpenTelemetry traces (off unless given)."),
        ])), "OpenTelemetry traces (off by default)."),
        .init("access", .object(ObjectSchema("API access.", fields: [
            .init("open", .boolean, "true: serve without tokens, also on a non-loopback address."),
            .init("tokens", .array(.object(token)), "Bearer tokens; with any, every request but /healthz, /readyz and webhooks needs one."),
        ])), "API access: bearer tokens with scopes and namespaces, or `open: true` for an open endpoint on purpose."),
    ])
}
