import Foundation
import PromptOpsCore

extension ServingStore {
    /// Applies a plan: one IMMEDIATE transaction per namespace, in plan order, so a failure
    /// (or a crash) leaves each namespace entirely at its old or its new revision and never
    /// stops the other namespaces. A namespace already recorded at this commit writes nothing.
    ///
    /// - Parameters:
    ///   - plan: from `Planner.plan(revision:desired:served:now:)` against ``servedState(namespaces:)``.
    ///   - commit: the commit planned; its sha must be `plan.revision`.
    ///   - actor: who applies, recorded in the audit log.
    ///   - now: the time stamped on rows, events and audit records.
    /// - Returns: per namespace what happened; store failures are reported there, not thrown.
    /// - Throws: `StoreError.invalidArgument` when the commit is not the plan's revision.
    public func apply(_ plan: Plan, commit: CommitInfo, actor: String = "controller", now: Date) throws(StoreError) -> ApplyReport {
        guard commit.sha == plan.revision, !commit.sha.isEmpty else {
            throw StoreError(.invalidArgument, "commit \(commit.sha) is not the revision the plan was made for (\(plan.revision))")
        }
        guard !actor.isEmpty else { throw StoreError(.invalidArgument, "actor must not be empty") }
        var results: [ApplyReport.NamespaceResult] = []
        for namespacePlan in plan.namespaces {
            do {
                let result = try writing(namespace: namespacePlan.name) { db in
                    try NamespaceWriter(db: db, commit: commit, actor: actor, now: now).write(namespacePlan)
                }
                results.append(result)
            } catch {
                results.append(.init(namespace: namespacePlan.name, outcome: .failed, wrote: false, error: error))
            }
        }
        return ApplyReport(revision: plan.revision, namespaces: results)
    }
}
