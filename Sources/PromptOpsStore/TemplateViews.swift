import PromptOpsCore
import Foundation

/// A served template in a list: its current version and content hash.
public struct TemplateSummary: Sendable, Equatable, Codable {
    /// The template.
    public var name: String
    /// The version served.
    public var version: Int
    /// Its effective content hash.
    public var hash: String
    /// The file it comes from.
    public var path: String

    /// Creates a summary.
    public init(name: String, version: Int, hash: String, path: String) {
        self.name = name
        self.version = version
        self.hash = hash
        self.path = path
    }
}

/// One stored version of a template, without its content.
public struct TemplateVersionSummary: Sendable, Equatable, Codable {
    /// The version number.
    public var version: Int
    /// The effective content hash.
    public var hash: String
    /// The commit that introduced it.
    public var revision: String
    /// That commit's author name.
    public var author: String
    /// That commit's author email.
    public var authorEmail: String
    /// That commit's time.
    public var committedAt: Date
    /// When the store created it.
    public var createdAt: Date
    /// Who signed that commit (sources that apply signed commits only).
    public var signer: SignerIdentity?

    /// Creates a version summary.
    public init(version: Int, hash: String, revision: String, author: String, authorEmail: String, committedAt: Date, createdAt: Date) {
        self.version = version
        self.hash = hash
        self.revision = revision
        self.author = author
        self.authorEmail = authorEmail
        self.committedAt = committedAt
        self.createdAt = createdAt
    }
}

/// A served template: its current version with spec, and every version it has had.
public struct TemplateDetail: Sendable, Equatable, Codable {
    /// The namespace.
    public var namespace: String
    /// The template.
    public var name: String
    /// The version served.
    public var version: Int
    /// Its effective content hash.
    public var hash: String
    /// The file it comes from.
    public var path: String
    /// Its labels.
    public var labels: [String: String]
    /// The spec served (canonical JSON, embedded as JSON).
    public var spec: EmbeddedJSON
    /// The revision that last wrote it.
    public var revision: String
    /// Every version, oldest first.
    public var versions: [TemplateVersionSummary]

    /// Creates a template detail.
    public init(namespace: String, name: String, version: Int, hash: String, path: String, labels: [String: String],
                spec: EmbeddedJSON, revision: String, versions: [TemplateVersionSummary]) {
        self.namespace = namespace
        self.name = name
        self.version = version
        self.hash = hash
        self.path = path
        self.labels = labels
        self.spec = spec
        self.revision = revision
        self.versions = versions
    }
}

/// One stored version with its content: enough to render it without git
/// (`CompiledNamespace(effectiveJSON:namespace:template:)`).
public struct TemplateVersionDetail: Sendable, Equatable, Codable {
    /// The namespace.
    public var namespace: String
    /// The template.
    public var name: String
    /// Provenance and identity.
    public var summary: TemplateVersionSummary
    /// The template's own spec.
    public var spec: EmbeddedJSON
    /// The self-contained effective content: `{"modules":{...},"spec":{...}}`.
    public var effective: EmbeddedJSON

    /// Creates a version detail.
    public init(namespace: String, name: String, summary: TemplateVersionSummary, spec: EmbeddedJSON, effective: EmbeddedJSON) {
        self.namespace = namespace
        self.name = name
        self.summary = summary
        self.spec = spec
        self.effective = effective
    }

    /// The version number.
    public var version: Int { summary.version }
    /// The effective content hash.
    public var hash: String { summary.hash }
}
