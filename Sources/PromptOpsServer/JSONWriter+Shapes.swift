import PromptOpsCore
import PromptOpsStore

/// The JSON shapes of store values in API answers (field names as in the HTTP contract).
extension JSONWriter {
    /// `{path, line, column, severity, message, kind, name, namespace}`, as `validate --format json`.
    mutating func diagnostic(_ d: Diagnostic) {
        objectStart()
        member("path", d.location.path)
        member("line", d.location.line)
        member("column", d.location.column)
        member("severity", d.severity.rawValue)
        member("message", d.message)
        member("kind", d.kind)
        member("name", d.name)
        member("namespace", d.namespace)
        objectEnd()
    }

    /// An array of diagnostics.
    mutating func diagnostics(_ list: [Diagnostic]) {
        arrayStart()
        for d in list { diagnostic(d) }
        arrayEnd()
    }

    /// `{version, hash, revision, author, authorEmail, committedAt, createdAt}`.
    mutating func versionSummary(_ v: TemplateVersionSummary) {
        objectStart()
        member("version", v.version)
        member("hash", v.hash)
        member("revision", v.revision)
        member("author", v.author)
        member("authorEmail", v.authorEmail)
        key("committedAt"); date(v.committedAt)
        key("createdAt"); date(v.createdAt)
        key("signer"); signer(v.signer)
        objectEnd()
    }

    /// `{mode, principal, fingerprint}` or null.
    mutating func signer(_ s: SignerIdentity?) {
        guard let s else { return null() }
        objectStart()
        member("mode", s.mode)
        member("principal", s.principal)
        member("fingerprint", s.fingerprint)
        objectEnd()
    }

    /// `{version, hash}`.
    mutating func versionRef(_ v: VersionRef) {
        objectStart()
        member("version", v.version)
        member("hash", v.hash)
        objectEnd()
    }

    /// `{version, hash, weight, step}` or `null`.
    mutating func canary(_ c: CanaryState?) {
        guard let c else { return null() }
        objectStart()
        member("version", c.version)
        member("hash", c.hash)
        member("weight", c.weight)
        member("step", c.step)
        objectEnd()
    }

    /// `{stable, canary}` percentages of keys.
    mutating func weights(_ c: CanaryState?) {
        objectStart()
        member("stable", 100 - (c?.weight ?? 0))
        member("canary", c?.weight ?? 0)
        objectEnd()
    }

    /// One event.
    mutating func event(_ e: StoreEvent) {
        objectStart()
        member("id", e.id)
        key("time"); date(e.time)
        member("namespace", e.namespace)
        member("kind", e.kind)
        member("name", e.name)
        member("type", e.type.rawValue)
        member("reason", e.reason)
        member("message", e.message)
        member("revision", e.revision)
        objectEnd()
    }

    /// One audit record, its details inline as JSON.
    mutating func auditRecord(_ r: AuditRecord) {
        objectStart()
        member("seq", r.seq)
        key("time"); date(r.time)
        member("actor", r.actor)
        member("action", r.action)
        member("namespace", r.namespace)
        member("object", r.object)
        member("revision", r.revision)
        key("details"); embedded(r.details)
        member("prevHash", r.prevHash)
        member("hash", r.hash)
        objectEnd()
    }

    /// Stored JSON inline, spliced as is: every JSON column carries a `json_valid` CHECK, so
    /// the text is valid JSON and need not be parsed again.
    mutating func embedded(_ json: EmbeddedJSON) {
        raw(json.text)
    }

    /// The comparative judge's standing: decision, pairs used of the budget, the difference
    /// (canary − stable pass rate) with its interval, and per test (most regressed first).
    mutating func judgeReport(_ r: JudgeReport) {
        objectStart()
        member("decision", r.decision)
        member("samples", r.samples)
        member("maxSamples", r.maxSamples)
        key("margin"); double(r.margin)
        key("difference"); double(r.difference)
        key("interval"); arrayStart(); double(r.lower); double(r.upper); arrayEnd()
        key("tests")
        arrayStart()
        for t in r.tests {
            objectStart()
            member("test", t.test)
            member("runs", t.runs)
            member("stablePassed", t.stablePassed)
            member("canaryPassed", t.canaryPassed)
            key("difference"); double(t.difference)
            objectEnd()
        }
        arrayEnd()
        key("notCompared"); arrayStart(); for s in r.skipped { string(s) }; arrayEnd()
        objectEnd()
    }
}
