import PromptOpsGit

extension Reconciler {
    /// Whether the branch head `head` was rewritten away from the revision this source applied
    /// last (a force-push, a reset): `from` is that revision, `missing` says it cannot be read
    /// any more (collected after the rewrite). Nil when the head descends from it, or nothing
    /// was applied yet, or it was applied from another branch, or git cannot tell.
    func rewrittenHistory(repo: GitRepository, head: String) async -> (from: String, missing: Bool)? {
        guard let applied = try? store.appliedRevision(source: source?.name),
              applied.branch == location.branch, applied.revision != head else { return nil }
        do {
            if try await repo.isAncestor(applied.revision, of: head) { return nil }
            return (applied.revision, false)
        } catch where error.isNotFound || error.isObjectDatabaseError {
            // An open repository may still resolve a collected commit from its caches and fail
            // only when walking the graph (libgit2 then says -1, not "not found").
            return (applied.revision, true)
        } catch {
            return nil
        }
    }
}
