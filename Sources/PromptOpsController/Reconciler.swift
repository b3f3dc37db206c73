import Foundation
import Tracing
import PromptOpsCore
import PromptOpsGit
import PromptOpsHeap
import PromptOpsStore

/// One reconcile pass after another: fetch → resolve → read changed files → load →
/// validate → plan → apply per namespace. Level-triggered (each pass compares desired with
/// served state) and incremental: parsed files are cached by blob id and only the
/// namespaces touched by changed files are validated and planned again.
public actor Reconciler {
    /// What the reconciler reads and writes.
    let location: RepositoryLocation
    let store: ServingStore
    let now: @Sendable () -> Date
    private var repository: GitRepository?
    private let loader = ManifestLoader()

    /// The revision the caches describe.
    private var cachedRevision: String?
    /// path → (blob id, parsed file) at `cachedRevision`. Keyed by path, not blob, so two
    /// paths with the same content each keep their own diagnostics.
    private var files: [String: (blobID: GitObjectID, load: ManifestLoader.FileLoad)] = [:]
    /// Namespaces whose last plan did not apply cleanly (blocked, frozen, store failure).
    private var unsettled: Set<String> = []
    /// Files whose problems name no namespace (syntax errors), with the namespaces they feed.
    private var blockedFiles: [String: Set<String>] = [:]

    /// Per namespace, what its last validation found object by object; a pass that touches a
    /// few objects of a namespace with an entry validates and plans only those and what
    /// depends on them. A namespace without one is validated whole.
    private var facts: [String: NamespaceFacts] = [:]
    /// Creates a reconciler; `now` is the injected clock.
    public init(location: RepositoryLocation, store: ServingStore, now: @escaping @Sendable () -> Date = { Date() }) {
        self.location = location
        self.store = store
        self.now = now
        self.source = nil
        self.claims = nil
        self.grant = .unrestricted("default")
    }

    /// One configured source among several feeding the store: its name (recorded as the owner
    /// of the namespaces it writes, and in `source_status`), whether it moves the top-level
    /// status, and the registry that finds namespaces defined by two sources.
    public struct SourceIdentity: Sendable {
        /// The source's name.
        public var name: String
        /// Whether its passes also update the top-level status (the first source).
        public var primary: Bool
        /// Creates an identity.
        public init(name: String, primary: Bool) {
            self.name = name
            self.primary = primary
        }
    }

    let source: SourceIdentity?
    let claims: NamespaceClaims?

    /// What this source may write (``SourceGrant``); the one-repository command line may write everything.
    private var grant: SourceGrant
    /// Checks commit signatures (a source with `verify`); nil: every commit applies.
    private var verifier: CommitVerifier?
    /// The platform Policies of other sources, when any source is a platform.
    private var platform: PlatformPolicies?
    /// The generation of ``platform`` the last pass validated against.
    private var platformGeneration: Int?
    /// Refused objects (outside the grant), by file, each at its `path:line:col`.
    private var refused: [String: [Diagnostic]] = [:]
    /// The last commit's signature verdict, with the trusted keys it was reached under (a poll
    /// of an unchanged branch does not check again; new keys do).
    private var lastVerdict: (sha: String, keys: String, verdict: SignatureVerdict)?
    /// A configuration waiting for the next pass (see ``configure(grant:verifier:platform:providers:)``).
    private var pending: (grant: SourceGrant, verifier: CommitVerifier?, platform: PlatformPolicies?, providers: ProviderGrants?)?
    /// What analysis providers may use (secrets, egress); nil: not checked (no config file).
    private var providers: ProviderGrants?
    /// Set when the provider grants changed: the next pass validates every namespace.
    private var revalidateAll = false

    /// Sets what the source may write, how its commits are verified and where platform
    /// Policies come from (at start, and on a config reload). It takes effect when the next
    /// pass starts, never in the middle of one (a pass suspends while it reads git, and must
    /// not see its caches change under it). A changed grant re-reads every file on that pass:
    /// objects it refused before may now be allowed.
    public func configure(grant: SourceGrant, verifier: CommitVerifier?, platform: PlatformPolicies?, providers: ProviderGrants? = nil) {
        pending = (grant, verifier, platform, providers)
    }

    /// Applies a configuration set by ``configure(grant:verifier:platform:)``.
    private func applyPendingConfiguration() {
        guard let (grant, verifier, platform, providers) = pending else { return }
        pending = nil
        if providers != self.providers { revalidateAll = true }
        self.providers = providers
        if grant != self.grant {
            files = [:]
            refused = [:]
            cachedRevision = nil
            lastSet = nil
            staleCanaries = nil
        }
        self.grant = grant
        self.verifier = verifier
        self.platform = platform
    }

    /// One file's load with the objects the grant refuses taken out (and remembered).
    private func admit(_ load: ManifestLoader.FileLoad) -> ManifestLoader.FileLoad {
        let (kept, refusedHere) = grant.restrict(load)
        refused[load.path] = refusedHere.isEmpty ? nil : refusedHere
        return kept
    }

    /// A file read by a small pass, as the reconciler keeps it: copied into the long-lived
    /// arena (see ``LongLivedHeap``, ``ManifestLoader/FileLoad/keptCopy(sharing:)``).
    private func keep(_ load: ManifestLoader.FileLoad) -> ManifestLoader.FileLoad {
        LongLivedHeap.run {
            var maps = SharedMaps()
            return load.keptCopy(sharing: &maps)
        }
    }

    /// Every refused object, in path order.
    private var refusedDiagnostics: [Diagnostic] { refused.keys.sorted().flatMap { refused[$0]! } }

    /// Creates the reconciler of one configured source.
    public init(location: RepositoryLocation, store: ServingStore, source: SourceIdentity, claims: NamespaceClaims,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.location = location
        self.store = store
        self.now = now
        self.source = source
        self.claims = claims
        self.grant = .unrestricted(source.name)
    }

    /// - Parameter settled: the pass left nothing to report again (no file it could not read
    ///   with an error): only then may a one-shot `sync` start from its revision.
    private func recordPass(revision: String?, error: String?, problems: [Diagnostic] = [], blocked: Bool = false,
                            quiet: Bool = false, settled: Bool = false) throws(StoreError) {
        try store.recordSyncPass(source: source.map { ($0.name, location.repo) }, primary: source?.primary ?? true,
                                 branch: location.branch, revision: revision, error: error, problems: problems, blocked: blocked,
                                 quiet: quiet, settings: settled ? settings : nil, now: now())
    }

    /// What this source's passes are checked under, as canonical text (where it reads, its
    /// grant and the provider grants: strings, arrays and a Bool only, so the same
    /// configuration gives the same text in every process).
    /// Stored as its SHA-256: a repository URL given on the command line may carry credentials.
    /// `format` changes when what a settled revision promises changes: format 2 stores write
    /// labels changed alone, which a one-shot pass restores unchanged files from, so a store
    /// settled by an older binary is read whole once.
    private var settings: String {
        EffectiveContent.sha256Hex("format: 2; repo: \(location.repo); branch: \(location.branch); path: \(location.path); grant: \(grant); "
            + "providers: \(providers.map { "\($0)" } ?? "none")")
    }

    /// The verdict on `sha`'s signature; blocking work (gpg) runs on NIO's thread pool.
    private func verdict(_ verifier: CommitVerifier, repo: GitRepository, sha: String, time: Date) async throws(GitError) -> SignatureVerdict {
        if let last = lastVerdict, last.sha == sha, last.keys == verifier.description { return last.verdict }
        let verdict: SignatureVerdict
        if let signature = try await repo.commitSignature(sha) {
            verdict = await verifier.verify(signature, at: time)
        } else {
            verdict = .rejected(SignatureRejection(reason: .unsigned, fingerprint: nil, message: "the commit is not signed"))
        }
        lastVerdict = (sha, verifier.description, verdict)
        return verdict
    }

    /// Runs one pass at `revision` (default: the branch head). Git failures throw
    /// ``SyncFailure/git(_:)`` after being recorded in the store; what is served stays.
    ///
    /// A cached clone that turns out corrupted (a damaged pack or loose object: libgit2 reports
    /// an object-database or zlib error) is removed and cloned again, once, and the pass runs
    /// again on the fresh clone; the report says so (``SyncReport/recloned``). If that fails
    /// too (the remote itself is broken), its error is the pass's.
    public func reconcile(revision: String? = nil) async throws(SyncFailure) -> SyncReport {
        // One span per pass (a no-op unless tracing is bootstrapped); its steps are children.
        let span = startSpan("sync pass")
        span.attributes["promptops.source"] = source?.name ?? "default"
        defer { span.end() }
        let outcome: Result<SyncReport, SyncFailure> = await ServiceContext.withValue(span.context) {
            do throws(SyncFailure) {
                return .success(try await reconcileOnce(revision: revision))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let report):
            span.attributes["promptops.revision"] = report.revision
            span.attributes["promptops.files_read"] = report.filesRead
            return report
        case .failure(let failure):
            span.setStatus(SpanStatus(code: .error, message: failure.description))
            throw failure
        }
    }

    private func reconcileOnce(revision: String?) async throws(SyncFailure) -> SyncReport {
        let healable = location.hasCache
        corruptCache = nil
        do {
            return try await pass(revision: revision, healable: healable)
        } catch {
            guard let corrupt = corruptCache else { throw error }
            corruptCache = nil
            repository = nil
            cachedRevision = nil
            location.discardCache()
            var report = try await pass(revision: revision, healable: false)
            report.recloned = corrupt.description
            return report
        }
    }

    /// The corruption of the cached clone found by the current pass (see ``reconcile(revision:)``).
    private var corruptCache: GitError?

    /// Records a git failure of the pass and returns it, except a corrupted cache when it may be
    /// healed: that is kept in ``corruptCache`` unrecorded (the pass runs again on a fresh clone).
    private func gitFailure(_ error: GitError, revision: String?, healable: Bool) -> SyncFailure {
        repository = nil
        if healable, error.isCorruption {
            corruptCache = error
        } else {
            try? recordPass(revision: revision, error: error.description)
        }
        return .git(error)
    }

    /// One pass (see ``reconcile(revision:)``).
    private func pass(revision: String?, healable: Bool) async throws(SyncFailure) -> SyncReport {
        let started = ContinuousClock.now
        applyPendingConfiguration()
        let repo: GitRepository
        let sha: String
        let commit: GitCommitInfo
        var signer: SignerIdentity?
        // Platform Policies of other sources: wait for their first read (never apply a
        // tenant's commit unchecked), and validate everything again when they change.
        var platformPolicies: [Policy] = []
        var platformChanged = false
        var seenGeneration: Int?
        if let platform, let name = source?.name {
            let view = platform.view(for: name)
            if !view.waitingFor.isEmpty {
                let message = "waiting for the platform Policies of source\(view.waitingFor.count == 1 ? "" : "s") "
                    + view.waitingFor.map { "'\($0)'" }.joined(separator: ", ") + " (nothing applies until they are read once)"
                try? recordPass(revision: nil, error: message, quiet: true)
                throw .waiting("waiting for the platform Policies of source\(view.waitingFor.count == 1 ? "" : "s") "
                               + view.waitingFor.map { "'\($0)'" }.joined(separator: ", "))
            }
            platformPolicies = view.policies
            platformChanged = view.generation != platformGeneration
            seenGeneration = view.generation
        }
        // Resolving a revision asked for: a wrong sha fails like a missing object, not a corruption.
        var resolvingAsked = false
        let fetchSpan = startSpan("fetch")
        defer { fetchSpan.end() }
        do {
            if location.fetcher != nil && location.isURL {
                // The child process changed the cache on disk: open it afresh.
                repo = try await location.fetchAndOpen()
                repository = repo
            } else {
                if let repository { repo = repository } else {
                    repo = try location.open()
                    repository = repo
                }
                try await repo.fetch()
            }
            resolvingAsked = revision != nil
            sha = try await repo.resolve(revision ?? location.branch)
            resolvingAsked = false
            commit = try await repo.commitInfo(sha)
        } catch {
            fetchSpan.setStatus(SpanStatus(code: .error, message: "\(error)"))
            // A broken cached clone must be reopened next time.
            throw gitFailure(error, revision: nil, healable: healable && !resolvingAsked)
        }
        fetchSpan.end()
        var stages = PassStages()
        stages.mark("fetch", since: started)
        if let verifier {
            let result: SignatureVerdict
            do {
                result = try await verdict(verifier, repo: repo, sha: sha, time: commit.time)
            } catch {
                throw gitFailure(error, revision: nil, healable: healable)
            }
            switch result {
            case .trusted(let identity):
                signer = identity
            case .rejected(let rejection):
                let key = rejection.fingerprint.map { rejection.message.contains($0) ? "" : " (key \($0))" } ?? ""
                let message = "commit \(sha.prefix(12)) is not applied: \(rejection.message)\(key); "
                    + "source '\(source?.name ?? "default")' applies only commits signed by a trusted \(verifier.mode) key"
                try? recordPass(revision: sha, error: message, blocked: true)
                throw .unverified(message)
            }
        }
        // Following the branch (not a revision asked for): was its history rewritten since the
        // revision applied last? Checked before the files are read, reported once applied.
        let rewrite = revision == nil ? await rewrittenHistory(repo: repo, head: sha) : nil
        do {
            replaced = nil
            seededTouched = nil
            var affected: Set<String>?
            let loadSpan = startSpan("load")
            defer { loadSpan.end() }
            switch seedFromStore ? try await seed(repo: repo, sha: sha) : .full {
            case .unchanged:
                // Nothing to read and nothing to write: the store holds this commit cleanly.
                var result = SyncReport(revision: sha, commit: commit, plan: Plan(revision: sha, namespaces: []),
                                        apply: ApplyReport(revision: sha, namespaces: []), duration: ContinuousClock.now - started,
                                        filesRead: 0, refused: [], signer: signer)
                result.unchanged = true
                return result
            case .seeded(let namespaces):
                affected = namespaces
            case .full:
                affected = try await refreshFiles(repo: repo, sha: sha)
            }
            // A platform Policy changed (here or in another source): every namespace again.
            if platformChanged || revalidateAll
                || (replaced ?? []).contains(where: { Self.holdsPlatformPolicy($0.old) || Self.holdsPlatformPolicy($0.new) }) {
                affected = nil
            }
            var set = currentSet(replacing: replaced)
            loadSpan.attributes["promptops.files_read"] = lastFilesRead
            loadSpan.end()
            stages.mark("load", since: started)
            let validateSpan = startSpan("validate")
            defer { validateSpan.end() }
            validateSpan.attributes["promptops.namespaces"] = affected.map { $0.count } ?? set.namespaces.count
            let (validation, revalidated) = try await validate(&set, repo: repo, sha: sha, affected: affected, platformPolicies: platformPolicies)
            validateSpan.attributes["promptops.namespaces_narrow"] = revalidated.count
            let (checked, owned, conflicted) = try await checkOwnership(set: set, validation: validation)
            validateSpan.end()
            stages.mark("validate", since: started)
            let planSpan = startSpan("plan")
            defer { planSpan.end() }
            // A conflicted namespace is planned on every pass (it must stay blocked with its error).
            let plan = try planFor(set: set, validation: checked, revalidated: revalidated, sha: sha,
                                   affected: affected.map { $0.union(conflicted) }, owned: owned, platformPolicies: platformPolicies)
            planSpan.end()
            stages.mark("plan", since: started)
            self.owned = owned.map { $0.subtracting(conflicted) }
            let applySpan = startSpan("apply")
            defer { applySpan.end() }
            let info = CommitInfo(sha: sha, authorName: commit.authorName, authorEmail: commit.authorEmail,
                                  time: commit.time, message: commit.message, signer: signer)
            // The store opens a child span per namespace it writes.
            let applied: Result<ApplyReport, StoreError> = ServiceContext.withValue(applySpan.context) {
                do throws(StoreError) {
                    return .success(try store.apply(plan, commit: info, source: source?.name, now: now()))
                } catch {
                    return .failure(error)
                }
            }
            let report = try applied.get()
            applySpan.end()
            stages.mark("apply", since: started)
            // A namespace the store failed to write is planned whole again, like a blocked one.
            unsettled = Set(plan.namespaces.filter { $0.outcome != .apply }.map(\.name))
                .union(report.namespaces.filter { $0.outcome == .failed }.map(\.namespace))
            rememberFacts(validation: validation, revalidated: revalidated, set: set, affected: affected, platformPolicies: platformPolicies)
            LongLivedHeap.run { compact(&set, keepTyped: Self.pathsWithProblems(validation)) }
            lastSet = set
            // Only the namespaces this pass read can have changed their Deployments.
            staleCanaries = affected.map { staleCanaries?.union($0) } ?? nil
            if grant.platform, let platform, let name = source?.name, platform.platformSources.contains(name) {
                platform.publish(try PlatformPolicies.applied(by: name, store: store), from: name)
            }
            // Only a pass that got this far has validated against these platform Policies.
            if let seenGeneration { platformGeneration = seenGeneration }
            revalidateAll = false
            if let rewrite {
                try store.recordForcePush(source: source?.name, primary: source?.primary ?? true, branch: location.branch,
                                          from: rewrite.from, to: sha, fromMissing: rewrite.missing, now: now())
            }
            let unread = unreadPaths.sorted().flatMap { files[$0]?.load.diagnostics ?? [] }
            try recordPass(revision: sha, error: nil, problems: refusedDiagnostics, settled: !unread.hasErrors)
            var result = SyncReport(revision: sha, commit: commit, plan: plan, apply: report,
                                    duration: ContinuousClock.now - started, filesRead: lastFilesRead, refused: refusedDiagnostics, signer: signer)
            result.unread = unread
            result.narrowNamespaces = revalidated.count
            stages.mark("record", since: started)
            result.stages = stages
            result.forcePushedFrom = rewrite?.from
            return result
        } catch let error as GitError {
            cachedRevision = nil
            facts = [:]
            throw gitFailure(error, revision: sha, healable: healable)
        } catch {
            cachedRevision = nil
            facts = [:]
            throw .store("\(error)")
        }
    }

    /// The Canary Deployments of ``lastSet`` by namespace (each sorted by name).
    private var canaryKeys: [String: [ObjectKey]] = [:]
    /// Namespaces whose entry in ``canaryKeys`` must be found again (nil: every namespace).
    private var staleCanaries: Set<String>? = nil

    /// Set by ``startFromStore()`` until the first pass: start from the store's revision.
    private var seedFromStore = false

    /// Makes the first pass start from what the store holds, as a one-shot `promptops sync`
    /// wants (it has no parsed files of an earlier pass): when the store holds a revision
    /// cleanly (``ServingStore/settledRevision(branch:)``) and it is the commit to apply,
    /// the pass reads and writes nothing; for another commit it reads only the files of the
    /// namespaces the change touches (found through the paths of the served objects) and
    /// plans only those. Anything it cannot reason about reads every file, as before: a
    /// revision the store does not hold cleanly or that is gone (force-push), several
    /// sources, platform Policies, provider grants, a Policy governing other namespaces, a
    /// changed file that does not parse or is not read.
    public func startFromStore() { seedFromStore = true }

    private enum Seed { case unchanged, seeded(Set<String>), full }

    private func seed(repo: GitRepository, sha: String) async throws -> Seed {
        seedFromStore = false
        // The store's revision counts only when it was checked under this very configuration.
        guard platform == nil, cachedRevision == nil,
              let applied = try store.settledRevision(source: source?.name, branch: location.branch, settings: settings) else { return .full }
        if applied == sha { return .unchanged }
        guard let changes = try await changes(repo: repo, from: applied, to: sha) else { return .full }
        if try store.servesCrossNamespacePolicy() { return .full }
        let changed = changes.map(\.path).filter(ManifestFile.isVisiblePath)
        let served = try store.servedNamespaces(ofPaths: changed, source: source?.name)
        var affected: Set<String> = []
        var wanted = Set(changed)
        for path in changed { affected.formUnion(served[path] ?? []) }
        var pathsOf = try store.servedPaths(inNamespaces: affected, source: source?.name)
        for ns in affected { wanted.formUnion(pathsOf[ns] ?? []) }
        // Read the touched namespaces' files; a file naming one more namespace brings that
        // namespace's files in too, until the set is closed.
        var loaded: [String: (blobID: GitObjectID, load: ManifestLoader.FileLoad)] = [:]
        var requested: Set<String> = []
        var read = 0
        var seededRefusals: [String: [Diagnostic]] = [:]
        // Unchanged files stand in from the store's served objects when nothing was refused
        // from them (an unrestricted grant): then those objects are exactly what they define.
        let restorable = grant.namespaces == nil && grant.platform
        let changedPaths = Set(changed)
        var restored: Set<String> = []
        while case let next = wanted.subtracting(requested), !next.isEmpty {
            requested.formUnion(next)
            var loads: [(path: String, blobID: GitObjectID?, load: ManifestLoader.FileLoad)] = []
            var toRead = next.filter { changedPaths.contains($0) || !restorable }
            if restorable {
                let unchanged = next.subtracting(changedPaths)
                let stored = try store.servedObjects(atPaths: unchanged.sorted(), source: source?.name)
                for path in unchanged {
                    if let objects = stored[path], let load = loader.restore(path: path, objects: objects) {
                        loads.append((path, nil, load))
                    } else {
                        toRead.insert(path)
                    }
                }
            }
            let found = try await repo.files(at: sha, paths: toRead.sorted(), filter: { ManifestFile.isManifestPath($0) },
                                             maxBytes: loader.limits.maxFileBytes).filter(ManifestFile.isReported)
            read += found.count
            // Parsed on every core (a namespace is hundreds of files).
            for (file, load) in zip(found, loader.loadFiles(found.map(ManifestFile.init))) { loads.append((file.path, file.blobID, load)) }
            for (path, blobID, load) in loads {
                // A Policy governing other namespaces (new, or gaining `namespaces`) is not local.
                if load.isUnattributed || load.unread != nil || Self.holdsPlatformPolicy(load) { return .full }
                let (kept, refusedHere) = grant.restrict(load)
                if !refusedHere.isEmpty { seededRefusals[path] = refusedHere }
                // A restored file has no blob id; the controller never seeds, and a one-shot
                // pass compares none.
                loaded[path] = (blobID ?? .null, kept)
                if blobID == nil { restored.insert(path) }
                let more = load.namespaces.subtracting(affected)
                if !more.isEmpty {
                    affected.formUnion(more)
                    pathsOf.merge(try store.servedPaths(inNamespaces: more, source: source?.name)) { $1 }
                    for ns in more { wanted.formUnion(pathsOf[ns] ?? []) }
                }
            }
        }
        approximatePaths = restored
        // What the commit touched per namespace (the objects its changed files defined before,
        // as the store serves them, and define now), and what the store's clean apply found
        // per object: the pass validates and plans those objects only.
        var touched: [String: Set<ObjectKey>] = [:]
        for (_, objects) in try store.servedObjects(atPaths: changed, source: source?.name) {
            for o in objects { touched[o.namespace, default: []].insert(ObjectKey(kind: o.kind, namespace: o.namespace, name: o.name)) }
        }
        for path in changedPaths {
            for object in loaded[path]?.load.objects ?? [] { touched[object.key.namespace, default: []].insert(object.key) }
        }
        seededTouched = touched
        facts = [:]
        for ns in affected {
            if let stored = try store.servedFacts(namespace: ns),
               let known = NamespaceFacts(namespace: ns, includes: stored.modules, problems: stored.warnings) {
                facts[ns] = known
            }
        }
        files = loaded
        refused = seededRefusals
        unreadPaths = []
        blockedFiles = [:]
        lastSet = nil
        staleCanaries = nil
        cachedRevision = sha
        lastFilesRead = read
        // Checked under the same grants as the store's revision: nothing to validate again.
        revalidateAll = false
        // The source's other namespaces are still defined at this commit (their files did not change).
        if let name = source?.name { seededUntouched = try store.namespaces(ownedBy: name).subtracting(affected) }
        return .seeded(affected)
    }

    /// A pass started from the store: the objects the commit touched per namespace (see ``seed(repo:sha:)``).
    private var seededTouched: [String: Set<ObjectKey>]?

    /// Files of the current pass rebuilt from the store (``ManifestLoader/restore(path:objects:)``):
    /// their positions are the file's start, so a problem reported at one reads it from git.
    private var approximatePaths: Set<String> = []

    /// The namespaces a pass started from the store did not read but still defines.
    private var seededUntouched: Set<String> = []

    private var lastFilesRead = 0
    /// Paths in ``files`` that were not read (symlinks, submodules, files over the size limit).
    private var unreadPaths: Set<String> = []
    /// With several sources: the namespaces this source planned in its last pass, without
    /// conflicted ones (rollouts are driven only there).
    private var owned: Set<String>?
    /// The manifests of the last successful pass (for rollouts, and updated in place by
    /// the next pass when no duplicate definition is involved).
    private var lastSet: ManifestSet?
    /// The files the current pass replaced (old load, new load), or nil when every file was read.
    private var replaced: [(old: ManifestLoader.FileLoad?, new: ManifestLoader.FileLoad?)]?

    /// The manifest set at the current revision: the last one with the changed files
    /// swapped, or every file assembled again.
    private func currentSet(replacing changes: [(old: ManifestLoader.FileLoad?, new: ManifestLoader.FileLoad?)]?) -> ManifestSet {
        if let changes, var set = lastSet {
            if changes.allSatisfy({ set.replaceFile(old: $0.old, new: $0.new) }) { return set }
        }
        return loader.assemble(files.keys.sorted().map { files[$0]!.load })
    }

    /// The Canary Deployments of the last successful pass with the version git wants each
    /// to serve (the template's served version; nil while its namespace is blocked or frozen).
    public func rolloutTargets() throws -> [RolloutTarget] {
        guard let set = lastSet else { return [] }
        var served: [String: [String: RolloutStateMachine.VersionRef]] = [:]
        var out: [RolloutTarget] = []
        // Only the Canary Deployments, found again only in the namespaces a pass read (a
        // profile of a 10,000-Deployment repository had this copying every Deployment after
        // each pass).
        if let stale = staleCanaries {
            if !stale.isEmpty {
                // One scan of the keys for every namespace to refresh.
                let found = Dictionary(grouping: set.deployments.keys.filter { stale.contains($0.namespace) && set.deployments[$0]!.strategy.isGradual },
                                       by: \.namespace)
                for ns in stale { canaryKeys[ns] = found[ns]?.sorted { $0.name < $1.name } }
            }
        } else {
            canaryKeys = Dictionary(grouping: set.deployments.keys.filter { set.deployments[$0]!.strategy.isGradual }, by: \.namespace)
                .mapValues { $0.sorted { $0.name < $1.name } }
        }
        staleCanaries = []
        for key in canaryKeys.keys.sorted().flatMap({ canaryKeys[$0]! }) {
            guard let deployment = set.deployments[key], deployment.strategy.isGradual, !set.invalidObjects.contains(key) else { continue }
            // Another source's (or a conflicted) namespace: its owner drives its rollouts.
            if let owned, !owned.contains(key.namespace) { continue }
            var desired: RolloutStateMachine.VersionRef?
            if !unsettled.contains(key.namespace) {
                if served[key.namespace] == nil {
                    served[key.namespace] = Dictionary(uniqueKeysWithValues: try store.templates(namespace: key.namespace).map {
                        ($0.name, RolloutStateMachine.VersionRef(version: $0.version, hash: $0.hash))
                    })
                }
                desired = served[key.namespace]?[deployment.template]
            }
            out.append(RolloutTarget(namespace: key.namespace, deployment: deployment, desired: desired))
        }
        return out
    }

    /// Brings the file map to `sha`, reading only what changed since the cached revision.
    /// Returns the namespaces to plan again (nil: all) and keeps ``blockedFiles`` current.
    private func refreshFiles(repo: GitRepository, sha: String) async throws -> Set<String>? {
        guard let previous = cachedRevision else {
            let read = try await repo.files(at: sha, under: location.path, filter: { ManifestFile.isManifestPath($0) },
                                            maxBytes: loader.limits.maxFileBytes).filter(ManifestFile.isReported)
            var fresh: [String: (blobID: GitObjectID, load: ManifestLoader.FileLoad)] = [:]
            fresh.reserveCapacity(read.count)
            var unread: [(blobID: GitObjectID, file: ManifestFile)] = []
            for file in read {
                if let cached = files[file.path], cached.blobID == file.blobID, cached.load.unread == ManifestFile(file).unread {
                    fresh[file.path] = cached
                } else {
                    unread.append((file.blobID, ManifestFile(file)))
                }
            }
            let loads = loader.loadFiles(unread.map(\.file))
            LongLivedHeap.run {
                var maps = SharedMaps()
                for (entry, load) in zip(unread, loads) {
                    let kept = admit(load).keptCopy(sharing: &maps)
                    fresh[kept.path] = (entry.blobID, kept)
                }
            }
            files = fresh
            seededUntouched = []
            unreadPaths = Set(fresh.filter { $0.value.load.unread != nil }.keys)
            refused = refused.filter { fresh[$0.key] != nil }
            lastFilesRead = read.count
            cachedRevision = sha
            blockedFiles = [:]
            let broken = read.filter { fresh[$0.path]?.load.isUnattributed ?? false }
            if !broken.isEmpty {
                let served = try store.servedState()
                for file in broken {
                    blockedFiles[file.path] = namespacesServed(from: file.path, in: served).union(Self.guessNamespaces(in: file.bytes))
                }
            }
            return nil
        }
        if previous == sha {
            lastFilesRead = 0
            replaced = []
            return unsettled
        }
        guard let changes = try await changes(repo: repo, from: previous, to: sha) else {
            // The revision read last is gone (history rewritten and collected): read everything.
            cachedRevision = nil
            return try await refreshFiles(repo: repo, sha: sha)
        }
        var affected = unsettled
        var changedPaths: [String] = []
        // Every visible path: a submodule's name does not look like a manifest, but is reported.
        for change in changes where ManifestFile.isVisiblePath(change.path) {
            if let old = files[change.path] { affected.formUnion(old.load.namespaces) }
            changedPaths.append(change.path)
        }
        let read = try await repo.files(at: sha, paths: changedPaths, filter: { ManifestFile.isManifestPath($0) },
                                        maxBytes: loader.limits.maxFileBytes).filter(ManifestFile.isReported)
        lastFilesRead = read.count
        let present = Set(read.map(\.path))
        var swaps: [(old: ManifestLoader.FileLoad?, new: ManifestLoader.FileLoad?)] = []
        for path in changedPaths where !present.contains(path) {
            if let old = files.removeValue(forKey: path) { swaps.append((old.load, nil)) }
            blockedFiles[path] = nil
            refused[path] = nil
            unreadPaths.remove(path)
        }
        for file in read {
            let oldLoad = files[file.path]?.load
            let manifest = ManifestFile(file)
            let load = files[file.path].flatMap { $0.blobID == file.blobID && $0.load.unread == manifest.unread ? $0.load : nil }
                ?? keep(admit(loader.loadFile(manifest)))
            files[load.path] = (file.blobID, load)
            if load.unread != nil { unreadPaths.insert(file.path) } else { unreadPaths.remove(file.path) }
            swaps.append((oldLoad, load))
            affected.formUnion(load.namespaces)
            if load.isUnattributed {
                let fed = (oldLoad?.namespaces ?? []).union(blockedFiles[file.path] ?? []).union(Self.guessNamespaces(in: file.bytes))
                blockedFiles[file.path] = fed
                affected.formUnion(fed)
            } else {
                if let fed = blockedFiles.removeValue(forKey: file.path) { affected.formUnion(fed) }
            }
        }
        cachedRevision = sha
        replaced = swaps
        return affected
    }

    /// The changes under the source's path between two revisions; nil when `previous` is no
    /// longer in the repository.
    private func changes(repo: GitRepository, from previous: String, to sha: String) async throws(GitError) -> [GitChange]? {
        do {
            return try await repo.changes(from: previous, to: sha, under: location.path)
        } catch where error.isNotFound || error.isObjectDatabaseError {
            return nil
        }
    }

    /// Validates the affected namespaces (nil: all): whole, or object by object where the
    /// pass touched a few objects of a namespace whose facts it keeps (``narrowable(_:affected:platformPolicies:)``).
    /// Their compacted templates are expanded first; when a problem is reported at one of
    /// those (its positions are approximate), the files concerned are parsed again from git
    /// and validation runs again, so every reported position is exact.
    private func validate(_ set: inout ManifestSet, repo: GitRepository, sha: String, affected: Set<String>?,
                          platformPolicies: [Policy]) async throws -> (ManifestValidator.Result, [String: ManifestValidator.Revalidation]) {
        var narrow = narrowable(set, affected: affected, platformPolicies: platformPolicies)
        var whole = affected.map { $0.subtracting(narrow.keys) }
        var (expanded, unreadable) = set.expand(namespaces: whole)
        let restored = approximatePaths
        expanded.formUnion(restored)
        approximatePaths = []
        let deploymentChecks = providers.map { providers in { @Sendable (d: Deployment) in providers.check(d) } }
        // Validates `whole` and then each narrow namespace (one whose facts fall short is validated whole).
        func run() -> (ManifestValidator.Result, [String: ManifestValidator.Revalidation]) {
            var revalidated: [String: ManifestValidator.Revalidation] = [:]
            for (ns, touched) in narrow.sorted(by: { $0.key < $1.key }) {
                if let facts = facts[ns],
                   let again = ManifestValidator().revalidate(&set, namespace: ns, facts: facts, touched: touched, deploymentChecks: deploymentChecks) {
                    revalidated[ns] = again
                    expanded.formUnion(again.expanded)
                    unreadable.formUnion(again.unreadable)
                } else {
                    narrow[ns] = nil
                    whole?.insert(ns)
                    let more = set.expand(namespaces: [ns])
                    expanded.formUnion(more.expanded)
                    unreadable.formUnion(more.unreadable)
                }
            }
            let validation = ManifestValidator().validate(set, only: whole, platformPolicies: platformPolicies, deploymentChecks: deploymentChecks)
            return (validation.merging(revalidated.values.map(\.problems)), revalidated)
        }
        var (validation, revalidated) = run()
        var reread: Set<String> = []
        // Each round parses at least one more file fully, so this ends.
        while true {
            // Problems kept from an earlier validation have exact positions already.
            let kept = Set(revalidated.values.flatMap(\.kept))
            let fresh = kept.isEmpty ? validation : ManifestValidator.Result(namespaces: [:], diagnostics: validation.diagnostics.filter { !kept.contains($0) })
            var suspect = Self.pathsWithProblems(fresh).intersection(expanded).union(unreadable).subtracting(reread)
            // "Defined twice … first at path:line:col" quotes another file's position, which
            // for a restored file is its start: read restored files when something is duplicated.
            if set.hasDuplicates { suspect.formUnion(restored.subtracting(reread)) }
            guard !suspect.isEmpty else { return (validation, revalidated) }
            let read = try await repo.files(at: sha, paths: suspect.sorted(), filter: { ManifestFile.isManifestPath($0) },
                                            maxBytes: loader.limits.maxFileBytes).filter(ManifestFile.isReported)
            lastFilesRead += read.count
            reread.formUnion(suspect)
            let loads = loader.loadFiles(read.map(ManifestFile.init)).map(admit)
            var patched = true
            for (file, load) in zip(read, loads) {
                let old = files[file.path]?.load
                files[file.path] = (file.blobID, load)
                patched = patched && set.replaceFile(old: old, new: load)
            }
            if !patched {
                set = loader.assemble(files.keys.sorted().map { files[$0]!.load })
                // Only a whole validation knows which of two definitions counts.
                narrow = [:]
                whole = affected
                let again = set.expand(namespaces: affected)
                expanded.formUnion(again.expanded)
                unreadable = again.unreadable
            } else {
                // A file that is gone at `sha` (or unreadable twice) has nothing left to expand.
                unreadable.subtract(reread)
            }
            (validation, revalidated) = run()
        }
    }

    /// The affected namespaces that may be validated and planned object by object, with the
    /// objects the pass touched in each (their keys in the files it replaced, before and
    /// after). Only when every replaced file was parsed and attributed, nothing is defined
    /// twice, and the namespace has facts, applied cleanly last time, is fed by no file that
    /// does not parse, still holds objects and is governed by no Policy (a Policy reads every
    /// object of the namespaces it governs).
    private func narrowable(_ set: ManifestSet, affected: Set<String>?, platformPolicies: [Policy]) -> [String: Set<ObjectKey>] {
        guard let affected, !set.hasDuplicates, !facts.isEmpty else { return [:] }
        var touched: [String: Set<ObjectKey>] = [:]
        if let replaced {
            for (old, new) in replaced {
                for load in [old, new] {
                    guard let load else { continue }
                    if load.unread != nil || load.isUnattributed { return [:] }
                    for object in load.objects { touched[object.key.namespace, default: []].insert(object.key) }
                }
            }
        } else if let seededTouched {
            touched = seededTouched
        } else {
            return [:]
        }
        let platform = set.policies.values.filter { $0.namespaces != nil } + platformPolicies
        let blocked = blockedFiles.values.reduce(into: Set<String>()) { $0.formUnion($1) }
        var out: [String: Set<ObjectKey>] = [:]
        for ns in affected where facts[ns] != nil && !unsettled.contains(ns) && !blocked.contains(ns) {
            guard let keys = touched[ns], !keys.contains(where: { $0.kind == "Policy" }) else { continue }
            guard !set.policies.keys.contains(where: { $0.namespace == ns }), !platform.contains(where: { $0.governs(ns) }) else { continue }
            guard !set.namespaces(among: [ns]).isEmpty else { continue }
            out[ns] = keys
        }
        return out
    }

    /// Keeps what this pass's validation found per object, for the next pass: the facts of
    /// the namespaces validated whole, and those of the narrow ones carried forward. None
    /// for a namespace a Policy governs or when something is defined twice.
    private func rememberFacts(validation: ManifestValidator.Result, revalidated: [String: ManifestValidator.Revalidation],
                               set: ManifestSet, affected: Set<String>?, platformPolicies: [Policy]) {
        if affected == nil { facts = [:] }
        guard !set.hasDuplicates else {
            facts = [:]
            return
        }
        for ns in affected ?? [] { facts[ns] = nil }
        let platform = set.policies.values.filter { $0.namespaces != nil } + platformPolicies
        let governed = Set(set.policies.keys.map(\.namespace))
        LongLivedHeap.run {
            for (ns, compiled) in validation.namespaces where !governed.contains(ns) && !platform.contains(where: { $0.governs(ns) }) {
                facts[ns] = NamespaceFacts(compiled: compiled, problems: validation.problems[ns] ?? [])
            }
        }
        for (ns, again) in revalidated { facts[ns] = again.facts }
    }

    /// Whether a file holds a platform Policy (its change concerns every namespace).
    static func holdsPlatformPolicy(_ load: ManifestLoader.FileLoad?) -> Bool {
        load?.objects.contains { if case .policy(let p) = $0.object { return p.namespaces != nil }; return false } ?? false
    }

    /// Files some problem is reported at.
    static func pathsWithProblems(_ validation: ManifestValidator.Result) -> Set<String> {
        Set(validation.diagnostics.map(\.location.path))
    }

    /// Compacts the typed templates of the pass (see ``CompactTemplate``) in the file cache
    /// and the set, except in files with problems (they keep exact positions). The set and
    /// the cache then share one compacted object per template.
    private func compact(_ set: inout ManifestSet, keepTyped: Set<String>) {
        guard !set.hasDuplicates else { return }
        var done: Set<String> = []
        var maps = SharedMaps()
        for template in Array(set.templates.values) {
            let path = template.origin.path
            guard !keepTyped.contains(path), done.insert(path).inserted, var entry = files[path] else { continue }
            if entry.load.holdsTypedTemplates {
                entry.load = entry.load.compacted(sharing: &maps)
                files[path] = entry
            }
            for object in entry.load.objects {
                if case .compactTemplate(let compact) = object.object, set.templates[compact.key] != nil { set.adopt(compact) }
            }
        }
        set.shrinkTypedTemplates()
    }

    /// With several sources: claims this source's namespaces, adds an error to each one another
    /// source defines too (naming both), and returns the namespaces this source may plan
    /// against the store (what it defines, plus what it wrote before and nobody else defines,
    /// so removals still apply). Nil with one source: everything.
    private func checkOwnership(set: ManifestSet, validation: ManifestValidator.Result) async throws
        -> (ManifestValidator.Result, Set<String>?, Set<String>) {
        guard let source, let claims else { return (validation, nil, []) }
        let defined = Set(set.namespaces).union(seededUntouched)
        let conflicts = await claims.claim(defined, by: source.name)
        var checked = validation
        for (ns, others) in conflicts.sorted(by: { $0.key < $1.key }) {
            let at = set.templates.first { $0.key.namespace == ns }?.value.origin.location
                ?? SourceLocation(path: location.path.isEmpty ? "." : location.path, line: 1, column: 1)
            let names = ([source.name] + others).sorted().map { "'\($0)'" }.joined(separator: " and ")
            checked.diagnostics.append(Diagnostic(.error, at: at,
                "namespace '\(ns)' is defined by sources \(names); a namespace belongs to one source, so it is blocked until only one defines it",
                namespace: ns))
        }
        let elsewhere = await claims.definedElsewhere(than: source.name)
        // What it wrote before counts only inside its grant: a narrowed grant leaves the
        // namespaces it lost serving as they are, never pruned by this source.
        let owned = try store.namespaces(ownedBy: source.name).subtracting(elsewhere).filter(grant.allows)
        return (checked, defined.union(owned), Set(conflicts.keys))
    }

    /// Plans the affected namespaces against the store; the others only move their revision.
    /// `owned` (several sources) limits the plan to this source's namespaces.
    /// Namespaces in `revalidated` are planned object by object: the objects their
    /// revalidation names, against the store's rows of those objects only.
    private func planFor(set: ManifestSet, validation: ManifestValidator.Result, revalidated: [String: ManifestValidator.Revalidation],
                         sha: String, affected: Set<String>?, owned: Set<String>?, platformPolicies: [Policy]) throws -> Plan {
        let only = owned.map { owned in affected.map { $0.intersection(owned) } ?? owned } ?? affected
        let wide = only.map { $0.subtracting(revalidated.keys) }
        let desired = DesiredState(set: set, validation: validation, blockedFiles: blockedFiles, only: wide, platformPolicies: platformPolicies)
        let served = try store.servedState(namespaces: wide)
        var plan = Planner.plan(revision: sha, desired: desired, served: served, now: now(),
                                platformPolicies: set.policies.values.filter { $0.namespaces != nil } + platformPolicies)
        for (ns, again) in revalidated.sorted(by: { $0.key < $1.key }) where only?.contains(ns) ?? true {
            let want = DesiredState.narrow(namespace: ns, set: set, compiled: again.compiled, diagnostics: validation.diagnostics,
                                           templates: again.templates, deployments: again.deployments)
            let have = try store.servedState(namespace: ns, templates: again.templates, deployments: again.deployments)
            plan.namespaces.append(Planner.plan(namespace: ns, desired: want, served: have, now: now()))
        }
        if let affected {
            // Untouched namespaces are at this commit too, as a full pass would record them:
            // those the commit defines and those only the store still knows (emptied ones).
            let everyKnown = Set(set.namespaces).union(try store.namespaceNames())
            let known = everyKnown.intersection(owned ?? everyKnown)
            let untouched = known.subtracting(affected)
            // Their files did not change, so their warnings are those the store holds (a full
            // pass would find the same ones); an empty list here would erase them.
            let kept = untouched.isEmpty ? [:]
                : Dictionary(try store.status().namespaces.map { ($0.name, $0.warnings) }, uniquingKeysWith: { a, _ in a })
            for name in untouched.sorted() {
                plan.namespaces.append(NamespacePlan(name: name, outcome: .apply, errors: [], warnings: kept[name] ?? []))
            }
            plan.namespaces.sort { $0.name < $1.name }
        }
        return plan
    }

    private func namespacesServed(from path: String, in served: ServedState) -> Set<String> {
        Set(served.namespaces.values.filter { ns in ns.objects.values.contains { $0.values.contains { $0.path == path } } }.map(\.name))
    }

    /// Namespaces a file that does not parse seems to declare (`namespace: x`), so a new
    /// broken file blocks the namespace it was meant for.
    static func guessNamespaces(in bytes: [UInt8]) -> Set<String> {
        let text = String(decoding: bytes.prefix(1 << 20), as: UTF8.self)
        var out: Set<String> = []
        for line in text.split(separator: "\n") {
            guard let range = line.range(of: "namespace:") else { continue }
            let value = line[range.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'}{,"))
            let name = value.split(whereSeparator: { $0 == "," || $0 == "}" || $0 == " " }).first.map(String.init) ?? ""
            if StringFormat.isDNSLabel(name) { out.insert(name) }
        }
        return out
    }
}

/// Why a pass failed as a whole (namespace errors are not failures of the pass).
public enum SyncFailure: Error, Sendable, CustomStringConvertible {
    /// Git could not be read; what is served stays.
    case git(GitError)
    /// The store failed.
    case store(String)
    /// The commit is not signed by a trusted key (the source's `verify`); nothing of it applies.
    case unverified(String)
    /// Platform Policies this source must be checked against are not read yet.
    case waiting(String)

    /// A sentence for logs and status.
    public var description: String {
        switch self {
        case .git(let e): return "git: \(e)"
        case .store(let e): return "store: \(e)"
        case .unverified(let e): return "unverified: \(e)"
        case .waiting(let e): return e
        }
    }
}

/// The wall time of each step of a pass, in order: fetch, load, validate, plan, apply, record.
public struct PassStages: Sendable, CustomStringConvertible {
    /// Each step with its own duration.
    public private(set) var steps: [(name: String, duration: Duration)] = []
    private var end: Duration = .zero

    /// Creates an empty record.
    public init() {}

    /// Ends step `name` now; `since` is the pass's start.
    mutating func mark(_ name: String, since started: ContinuousClock.Instant) {
        let now = ContinuousClock.now - started
        steps.append((name, now - end))
        end = now
    }

    /// `fetch=3.1 load=0.4 …` in milliseconds.
    public var description: String {
        steps.map { step in
            let ms = Double(step.duration.components.seconds) * 1000 + Double(step.duration.components.attoseconds) / 1e15
            return "\(step.name)=\((ms * 10).rounded() / 10)"
        }.joined(separator: " ")
    }
}

/// The outcome of one pass.
public struct SyncReport: Sendable {
    /// The revision applied.
    public var revision: String
    /// Its commit.
    public var commit: GitCommitInfo
    /// What was planned.
    public var plan: Plan
    /// What the store did.
    public var apply: ApplyReport
    /// Wall time of the pass.
    public var duration: Duration
    /// Files read from git in this pass.
    public var filesRead: Int
    /// Objects refused: outside the namespaces the source may write (``SourceGrant``).
    public var refused: [Diagnostic] = []
    /// Who signed the commit (a source with `verify`).
    public var signer: SignerIdentity?
    /// Paths not read as manifests, each at `path:1:1`: symlinks and submodules (warnings),
    /// files over the size limit (errors).
    public var unread: [Diagnostic] = []
    /// The revision applied before, when the branch head did not descend from it (force-push).
    public var forcePushedFrom: String?
    /// True when the pass found the store already holding this commit cleanly and did
    /// nothing (a one-shot `sync` started from the store: no file read, nothing written).
    public var unchanged = false
    /// Why the cached clone was removed and cloned again in this pass (it was corrupted).
    public var recloned: String?
    /// Namespaces validated and planned object by object (the pass touched a few of their objects).
    public var narrowNamespaces = 0
    /// How long each step of the pass took (logged at debug, for finding where a slow pass went).
    public var stages = PassStages()

    /// Namespaces that did not apply (blocked or frozen).
    public var failedNamespaces: [NamespacePlan] { plan.namespaces.filter { $0.outcome == .blocked } }
}
