import PromptOpsCore

/// The `details` of the audit record of one namespace apply.
struct ApplyDetails: Encodable {
    struct Author: Encodable {
        var name: String
        var email: String
    }

    struct Version: Encodable {
        var template: String
        var version: Int
        var hash: String
    }

    struct Object: Encodable {
        var kind: String
        var name: String
    }

    struct Ref: Encodable {
        var version: Int
        var hash: String
    }

    struct Switch: Encodable {
        var deployment: String
        var template: String
        var strategy: String
        var from: Ref?
        var to: Ref
    }

    var revision: String
    var author: Author
    var commitTime: String
    var subject: String
    var added: [Object]
    var changed: [Object]
    var removed: [Object]
    /// Objects rewritten without a content change (moved to another file).
    var relocated: [Object]
    var newVersions: [Version]
    var switches: [Switch]

    init(plan: NamespacePlan, commit: CommitInfo) {
        revision = commit.sha
        author = Author(name: commit.authorName, email: commit.authorEmail)
        commitTime = StoreTime.format(commit.time)
        subject = commit.subject
        added = plan.added.map { Object(kind: $0.kind, name: $0.name) }
        changed = plan.changed.map { Object(kind: $0.kind, name: $0.name) }
        removed = plan.removed.map { Object(kind: $0.kind, name: $0.name) }
        let touched = Set((plan.added + plan.changed).map { "\($0.kind)/\($0.name)" })
        relocated = plan.upserts.filter { !touched.contains("\($0.kind)/\($0.name)") }.map { Object(kind: $0.kind, name: $0.name) }
        newVersions = plan.newVersions.map { Version(template: $0.template, version: $0.version, hash: $0.hash) }
        switches = plan.switches.map { s in
            Switch(deployment: s.deployment, template: s.template, strategy: s.strategy.rawValue,
                   from: s.fromVersion.map { Ref(version: $0, hash: s.fromHash ?? "") }, to: Ref(version: s.toVersion, hash: s.toHash))
        }
    }
}
