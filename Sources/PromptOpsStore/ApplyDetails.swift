import PromptOpsCore

/// The `details` of the audit record of one namespace apply, as canonical JSON (sorted
/// keys, no whitespace): revision, author, what was added, changed, removed or moved, the
/// versions created with their hashes, and every switch from → to.
enum ApplyDetails {
    /// The details JSON for applying `plan` from `commit`.
    static func json(plan: NamespacePlan, commit: CommitInfo) -> String {
        typealias V = TemplateValue
        func objects(_ list: [(kind: String, name: String)]) -> V {
            .array(list.map { .object(["kind": .string($0.kind), "name": .string($0.name)]) })
        }
        let touched = Set((plan.added + plan.changed).map { "\($0.kind)/\($0.name)" })
        // Rewritten without a content change: the object moved to another file.
        let relocated = plan.upserts.filter { !touched.contains("\($0.kind)/\($0.name)") }
        let details: V = .object([
            "revision": .string(commit.sha),
            "author": .object(["name": .string(commit.authorName), "email": .string(commit.authorEmail)]),
            "commitTime": .string(StoreTime.format(commit.time)),
            "signer": commit.signer.map { .object(["mode": .string($0.mode), "principal": .string($0.principal),
                                                    "fingerprint": .string($0.fingerprint)]) } ?? .null,
            "subject": .string(commit.subject),
            "added": objects(plan.added.map { ($0.kind, $0.name) }),
            "changed": objects(plan.changed.map { ($0.kind, $0.name) }),
            "removed": objects(plan.removed.map { ($0.kind, $0.name) }),
            "relocated": objects(relocated.map { ($0.kind, $0.name) }),
            "newVersions": .array(plan.newVersions.map {
                .object(["template": .string($0.template), "version": .int($0.version), "hash": .string($0.hash)])
            }),
            "switches": .array(plan.switches.map { s in
                .object([
                    "deployment": .string(s.deployment),
                    "template": .string(s.template),
                    "strategy": .string(s.strategy.rawValue),
                    "from": s.fromVersion.map { .object(["version": .int($0), "hash": .string(s.fromHash ?? "")]) } ?? .null,
                    "to": .object(["version": .int(s.toVersion), "hash": .string(s.toHash)]),
                ])
            }),
        ])
        return CanonicalJSON.encode(details)
    }
}
