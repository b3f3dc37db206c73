import Foundation
import PromptOpsCore
import Tracing

extension ServingStore {
    /// Applies a plan: one IMMEDIATE transaction per namespace with changes, in plan order,
    /// so a failure (or a crash) leaves each namespace entirely at its old or its new revision
    /// and never stops the other namespaces; the namespaces that only move their revision
    /// share one transaction. A namespace already recorded at this commit writes nothing.
    ///
    /// - Parameters:
    ///   - plan: from `Planner.plan(revision:desired:served:now:)` against ``servedState(namespaces:)``.
    ///   - commit: the commit planned; its sha must be `plan.revision`.
    ///   - actor: who applies, recorded in the audit log.
    ///   - source: the configured source the plan comes from (recorded as each namespace's owner).
    ///   - now: the time stamped on rows, events and audit records.
    /// - Returns: per namespace what happened; store failures are reported there, not thrown.
    /// - Throws: `StoreError.invalidArgument` when the commit is not the plan's revision.
    public func apply(_ plan: Plan, commit: CommitInfo, actor: String = "controller", source: String? = nil, now: Date) throws(StoreError) -> ApplyReport {
        guard commit.sha == plan.revision, !commit.sha.isEmpty else {
            throw StoreError(.invalidArgument, "commit \(commit.sha) is not the revision the plan was made for (\(plan.revision))")
        }
        guard !actor.isEmpty else { throw StoreError(.invalidArgument, "actor must not be empty") }
        var byName: [String: ApplyReport.NamespaceResult] = [:]
        // Namespaces with nothing to change only move their revision: one transaction for all
        // of them (a pass after a one-file commit would otherwise commit once per namespace of
        // the repository). Should it fail, each is written on its own below.
        let revisionOnly = plan.namespaces.filter { $0.outcome == .apply && $0.isEmpty && $0.upserts.isEmpty }
        if revisionOnly.count > 1 {
            if let results = try? writing({ db in
                try revisionOnly.map { try NamespaceWriter(db: db, commit: commit, actor: actor, source: source, now: now).write($0) }
            }) {
                for result in results { byName[result.namespace] = result }
            }
        }
        for namespacePlan in plan.namespaces where byName[namespacePlan.name] == nil {
            // A span per namespace written (a no-op unless tracing is bootstrapped).
            let span = startSpan("apply namespace")
            span.attributes["promptops.namespace"] = namespacePlan.name
            defer { span.end() }
            do {
                byName[namespacePlan.name] = try writing(namespace: namespacePlan.name) { db in
                    try NamespaceWriter(db: db, commit: commit, actor: actor, source: source, now: now).write(namespacePlan)
                }
            } catch {
                span.setStatus(SpanStatus(code: .error, message: error.description))
                byName[namespacePlan.name] = .init(namespace: namespacePlan.name, outcome: .failed, wrote: false, error: error)
            }
        }
        return ApplyReport(revision: plan.revision, namespaces: plan.namespaces.map { byName[$0.name]! })
    }
}
