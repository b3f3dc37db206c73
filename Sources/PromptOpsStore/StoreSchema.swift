import GRDB

/// The database schema as append-only migrations. A shipped migration is never edited:
/// later changes (rollout state, pruning of events) come as "v2", "v3"...
enum StoreSchema {
    /// Sixty-four zeros: the `prev_hash` of the first audit record.
    static let genesisHash = String(repeating: "0", count: 64)

    /// The migrator holding every migration in order.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in try db.execute(sql: v1) }
        migrator.registerMigration("v2") { db in try db.execute(sql: v2) }
        migrator.registerMigration("v3") { db in try db.execute(sql: v3) }
        migrator.registerMigration("v4") { db in try db.execute(sql: v4) }
        migrator.registerMigration("v5") { db in try db.execute(sql: v5) }
        migrator.registerMigration("v6") { db in try db.execute(sql: v6) }
        migrator.registerMigration("v7") { db in try db.execute(sql: v7) }
        migrator.registerMigration("v8") { db in try db.execute(sql: v8) }
        migrator.registerMigration("v9") { db in try db.execute(sql: v9) }
        migrator.registerMigration("v10") { db in try db.execute(sql: v10) }
        return migrator
    }

    /// Times are `StoreTime` text; JSON columns are checked with `json_valid`. Tables are
    /// STRICT so a wrong type is refused, not coerced.
    static let v1 = """
    CREATE TABLE namespace_status (
        namespace TEXT PRIMARY KEY NOT NULL CHECK (namespace <> ''),
        last_attempted_revision TEXT,
        last_attempted_at TEXT,
        last_applied_revision TEXT,
        last_applied_at TEXT,
        errors_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(errors_json) AND json_type(errors_json) = 'array'),
        warnings_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(warnings_json) AND json_type(warnings_json) = 'array'),
        frozen_by TEXT,
        frozen_until TEXT,
        CHECK ((last_attempted_revision IS NULL) = (last_attempted_at IS NULL)),
        CHECK ((last_applied_revision IS NULL) = (last_applied_at IS NULL)),
        CHECK ((frozen_by IS NULL) = (frozen_until IS NULL))
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE template_version (
        id INTEGER PRIMARY KEY,
        namespace TEXT NOT NULL REFERENCES namespace_status(namespace),
        template TEXT NOT NULL CHECK (template <> ''),
        version INTEGER NOT NULL CHECK (version >= 1),
        hash TEXT NOT NULL CHECK (length(hash) = 64),
        spec_json TEXT NOT NULL CHECK (json_valid(spec_json)),
        effective_json TEXT NOT NULL CHECK (json_valid(effective_json)),
        revision TEXT NOT NULL CHECK (revision <> ''),
        author_name TEXT NOT NULL,
        author_email TEXT NOT NULL,
        committed_at TEXT NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (namespace, template, version),
        UNIQUE (namespace, template, hash)
    ) STRICT;

    CREATE TRIGGER template_version_numbered BEFORE INSERT ON template_version
    WHEN NEW.version <> (SELECT coalesce(max(version), 0) + 1 FROM template_version
                         WHERE namespace = NEW.namespace AND template = NEW.template)
    BEGIN SELECT RAISE(ABORT, 'template_version: versions of a template are numbered 1, 2, 3... without gaps'); END;
    CREATE TRIGGER template_version_no_update BEFORE UPDATE ON template_version
    BEGIN SELECT RAISE(ABORT, 'template_version: versions are immutable'); END;
    CREATE TRIGGER template_version_no_delete BEFORE DELETE ON template_version
    BEGIN SELECT RAISE(ABORT, 'template_version: versions are kept for history'); END;

    CREATE TABLE served_object (
        namespace TEXT NOT NULL REFERENCES namespace_status(namespace),
        kind TEXT NOT NULL CHECK (kind IN ('PromptTemplate', 'Deployment', 'Policy')),
        name TEXT NOT NULL CHECK (name <> ''),
        hash TEXT NOT NULL CHECK (length(hash) = 64),
        spec_json TEXT NOT NULL CHECK (json_valid(spec_json)),
        path TEXT NOT NULL,
        labels_json TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(labels_json)),
        version_id INTEGER REFERENCES template_version(id),
        revision TEXT NOT NULL CHECK (revision <> ''),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (namespace, kind, name),
        CHECK ((kind = 'PromptTemplate') = (version_id IS NOT NULL))
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX served_object_version ON served_object(version_id);

    CREATE TRIGGER served_template_is_its_version_on_insert BEFORE INSERT ON served_object
    WHEN NEW.kind = 'PromptTemplate' AND NOT EXISTS (
        SELECT 1 FROM template_version v
        WHERE v.id = NEW.version_id AND v.namespace = NEW.namespace AND v.template = NEW.name AND v.hash = NEW.hash)
    BEGIN SELECT RAISE(ABORT, 'served_object: a served template must be one of its stored versions (same hash)'); END;
    CREATE TRIGGER served_template_is_its_version_on_update BEFORE UPDATE ON served_object
    WHEN NEW.kind = 'PromptTemplate' AND NOT EXISTS (
        SELECT 1 FROM template_version v
        WHERE v.id = NEW.version_id AND v.namespace = NEW.namespace AND v.template = NEW.name AND v.hash = NEW.hash)
    BEGIN SELECT RAISE(ABORT, 'served_object: a served template must be one of its stored versions (same hash)'); END;

    -- Rollout state of a Deployment. The canary columns stay NULL until rollouts land.
    CREATE TABLE deployment (
        namespace TEXT NOT NULL REFERENCES namespace_status(namespace),
        name TEXT NOT NULL CHECK (name <> ''),
        template TEXT NOT NULL,
        stable_version INTEGER NOT NULL,
        phase TEXT NOT NULL DEFAULT 'Healthy' CHECK (phase IN ('Healthy', 'Progressing', 'Paused', 'Degraded')),
        canary_version INTEGER,
        canary_weight INTEGER CHECK (canary_weight BETWEEN 0 AND 100),
        canary_step INTEGER CHECK (canary_step >= 0),
        revision TEXT NOT NULL CHECK (revision <> ''),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (namespace, name),
        FOREIGN KEY (namespace, template, stable_version) REFERENCES template_version(namespace, template, version),
        FOREIGN KEY (namespace, template, canary_version) REFERENCES template_version(namespace, template, version),
        CHECK (canary_version IS NULL OR canary_version <> stable_version),
        CHECK ((canary_version IS NULL) = (canary_weight IS NULL))
    ) STRICT, WITHOUT ROWID;

    -- Every change of what a Deployment serves, kept after the Deployment is removed.
    CREATE TABLE deployment_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        namespace TEXT NOT NULL REFERENCES namespace_status(namespace),
        deployment TEXT NOT NULL,
        template TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action <> ''),
        strategy TEXT NOT NULL CHECK (strategy IN ('Canary', 'Direct')),
        from_version INTEGER,
        from_hash TEXT,
        to_version INTEGER NOT NULL,
        to_hash TEXT NOT NULL CHECK (length(to_hash) = 64),
        revision TEXT NOT NULL,
        time TEXT NOT NULL,
        FOREIGN KEY (namespace, template, to_version) REFERENCES template_version(namespace, template, version)
    ) STRICT;
    CREATE INDEX deployment_history_by_deployment ON deployment_history(namespace, deployment, id);
    CREATE TRIGGER deployment_history_no_update BEFORE UPDATE ON deployment_history
    BEGIN SELECT RAISE(ABORT, 'deployment_history is append-only'); END;
    CREATE TRIGGER deployment_history_no_delete BEFORE DELETE ON deployment_history
    BEGIN SELECT RAISE(ABORT, 'deployment_history is append-only'); END;

    -- What happened, for people: sync and rollout events. NULL namespace = controller-wide.
    CREATE TABLE event (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        namespace TEXT,
        kind TEXT,
        name TEXT,
        type TEXT NOT NULL CHECK (type IN ('Normal', 'Warning')),
        reason TEXT NOT NULL CHECK (reason <> ''),
        message TEXT NOT NULL,
        revision TEXT
    ) STRICT;
    CREATE INDEX event_by_namespace ON event(namespace, id);

    -- The tamper-evident record of every change: append-only (triggers below) and hash-chained
    -- (hash = SHA-256 of prev_hash and the record's canonical fields, computed by AuditChain).
    CREATE TABLE audit_record (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        actor TEXT NOT NULL CHECK (actor <> ''),
        action TEXT NOT NULL CHECK (action <> ''),
        namespace TEXT,
        object TEXT,
        revision TEXT,
        details_json TEXT NOT NULL CHECK (json_valid(details_json)),
        prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
        hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64)
    ) STRICT;
    CREATE TRIGGER audit_record_chained BEFORE INSERT ON audit_record
    WHEN NEW.seq IS NOT (SELECT coalesce(max(seq), 0) + 1 FROM audit_record)
      OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM audit_record ORDER BY seq DESC LIMIT 1), '\(genesisHash)')
    BEGIN SELECT RAISE(ABORT, 'audit_record: a record must follow the last one (seq + 1, prev_hash = its hash)'); END;
    CREATE TRIGGER audit_record_no_update BEFORE UPDATE ON audit_record
    BEGIN SELECT RAISE(ABORT, 'audit_record is append-only: UPDATE refused'); END;
    CREATE TRIGGER audit_record_no_delete BEFORE DELETE ON audit_record
    BEGIN SELECT RAISE(ABORT, 'audit_record is append-only: DELETE refused'); END;

    -- The controller's last pass over the source: one row.
    CREATE TABLE sync_status (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        branch TEXT NOT NULL,
        revision TEXT,
        attempted_revision TEXT,
        last_sync_at TEXT NOT NULL,
        last_success_at TEXT,
        last_error TEXT,
        last_error_at TEXT,
        CHECK ((last_error IS NULL) = (last_error_at IS NULL))
    ) STRICT;
    """

    /// Rollouts: the state machine of each Deployment (JSON, with a generation for
    /// optimistic concurrency between the controller and manual overrides) and every
    /// measurement taken.
    static let v2 = """
    CREATE TABLE rollout (
        namespace TEXT NOT NULL,
        deployment TEXT NOT NULL,
        state_json TEXT NOT NULL CHECK (json_valid(state_json)),
        generation INTEGER NOT NULL CHECK (generation >= 1),
        updated_at TEXT NOT NULL,
        PRIMARY KEY (namespace, deployment),
        FOREIGN KEY (namespace, deployment) REFERENCES deployment(namespace, name) ON DELETE CASCADE
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE measurement (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        namespace TEXT NOT NULL,
        deployment TEXT NOT NULL,
        canary_version INTEGER,
        canary_hash TEXT,
        round INTEGER NOT NULL,
        metric TEXT NOT NULL,
        value REAL,
        verdict TEXT NOT NULL CHECK (verdict IN ('Successful', 'Failed', 'Inconclusive', 'Error')),
        message TEXT,
        time TEXT NOT NULL
    ) STRICT;
    CREATE INDEX measurement_by_deployment ON measurement(namespace, deployment, id);
    CREATE TRIGGER measurement_no_update BEFORE UPDATE ON measurement
    BEGIN SELECT RAISE(ABORT, 'measurement is append-only'); END;
    """

    /// Several sources and notifications: the status of each source, which source owns a
    /// namespace, and the notification outbox (written in the transaction of the event it
    /// reports) with one delivery row per receiver.
    static let v3 = """
    CREATE TABLE source_status (
        name TEXT PRIMARY KEY NOT NULL CHECK (name <> ''),
        url TEXT NOT NULL,
        branch TEXT NOT NULL,
        revision TEXT,
        attempted_revision TEXT,
        last_sync_at TEXT NOT NULL,
        last_success_at TEXT,
        last_error TEXT,
        last_error_at TEXT,
        CHECK ((last_error IS NULL) = (last_error_at IS NULL))
    ) STRICT, WITHOUT ROWID;

    ALTER TABLE namespace_status ADD COLUMN source TEXT;

    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id INTEGER NOT NULL UNIQUE REFERENCES event(id),
        type TEXT NOT NULL CHECK (type IN ('Applied', 'Blocked', 'SyncFailed', 'CanaryStarted', 'StepAdvanced', 'Paused',
                                           'Promoted', 'RolledBack', 'Superseded', 'Cancelled', 'ManualOverride')),
        namespace TEXT,
        subject TEXT NOT NULL,
        revision TEXT,
        message TEXT NOT NULL,
        data_json TEXT NOT NULL CHECK (json_valid(data_json) AND json_type(data_json) = 'object'),
        time TEXT NOT NULL,
        routed INTEGER NOT NULL DEFAULT 0 CHECK (routed IN (0, 1))
    ) STRICT;
    CREATE INDEX outbox_unrouted ON outbox(routed, id);

    CREATE TABLE outbox_delivery (
        outbox_id INTEGER NOT NULL REFERENCES outbox(id),
        receiver TEXT NOT NULL CHECK (receiver <> ''),
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at TEXT NOT NULL,
        last_error TEXT,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (outbox_id, receiver)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX outbox_delivery_pending ON outbox_delivery(state, next_attempt_at);
    """

    /// Governance: who signed the commit each version came from (signed-commits-only
    /// sources), and the located errors of a source's objects that were refused (outside
    /// the namespaces it may write).
    static let v4 = """
    ALTER TABLE template_version ADD COLUMN signer_mode TEXT CHECK (signer_mode IN ('ssh', 'openpgp'));
    ALTER TABLE template_version ADD COLUMN signer_principal TEXT;
    ALTER TABLE template_version ADD COLUMN signer_fingerprint TEXT;
    ALTER TABLE source_status ADD COLUMN errors_json TEXT NOT NULL DEFAULT '[]'
        CHECK (json_valid(errors_json) AND json_type(errors_json) = 'array');
    """

    /// Retention: deployment history may be pruned (only by ``ServingStore/prune(_:now:)``;
    /// rows are still never updated), and the promotions and rollbacks of pruned rows are
    /// counted on so rollout totals never go backwards.
    static let v5 = """
    DROP TRIGGER deployment_history_no_delete;
    CREATE TABLE history_pruned (
        namespace TEXT NOT NULL,
        deployment TEXT NOT NULL,
        promotions INTEGER NOT NULL DEFAULT 0 CHECK (promotions >= 0),
        rollbacks INTEGER NOT NULL DEFAULT 0 CHECK (rollbacks >= 0),
        PRIMARY KEY (namespace, deployment)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX event_by_time ON event(time);
    CREATE INDEX measurement_by_time ON measurement(time);
    """

    /// Force-pushes: the last time a source's branch head did not descend from the revision
    /// it had applied (from, to, when), on the top-level status and on each source's.
    static let v6 = """
    ALTER TABLE sync_status ADD COLUMN force_push_from TEXT;
    ALTER TABLE sync_status ADD COLUMN force_push_to TEXT;
    ALTER TABLE sync_status ADD COLUMN force_push_at TEXT;
    ALTER TABLE source_status ADD COLUMN force_push_from TEXT;
    ALTER TABLE source_status ADD COLUMN force_push_to TEXT;
    ALTER TABLE source_status ADD COLUMN force_push_at TEXT;
    """

    /// What a source's last successful pass was checked under (its grant and provider grants,
    /// canonical text): a one-shot `sync` starts from the store only when they are unchanged.
    static let v7 = """
    ALTER TABLE source_status ADD COLUMN settings TEXT;
    """

    /// Every change of a `deployment` row (apply, rollout step, manual override, from any
    /// process), logged by triggers with its namespace: the serving snapshot reads again the
    /// namespaces logged after its mark. (Rollout steps write no audit record, so the audit
    /// log cannot be that mark.) Old rows are pruned; a snapshot whose mark is older than the
    /// oldest row kept reads everything. The one-repository status records its settings too.
    static let v8 = """
    CREATE TABLE serving_change (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        namespace TEXT NOT NULL
    ) STRICT;
    CREATE TRIGGER deployment_inserted AFTER INSERT ON deployment
    BEGIN INSERT INTO serving_change (namespace) VALUES (NEW.namespace); END;
    CREATE TRIGGER deployment_updated AFTER UPDATE ON deployment
    BEGIN INSERT INTO serving_change (namespace) VALUES (NEW.namespace); END;
    CREATE TRIGGER deployment_deleted AFTER DELETE ON deployment
    BEGIN INSERT INTO serving_change (namespace) VALUES (OLD.namespace); END;
    ALTER TABLE sync_status ADD COLUMN settings TEXT;
    """

    /// The comparative judge's round and standing beside its measurement (metric `judge`),
    /// as JSON (``JudgeReport``): the per-test evidence endpoints, events and audit show.
    static let v9 = """
    ALTER TABLE measurement ADD COLUMN judge_json TEXT CHECK (judge_json IS NULL OR json_valid(judge_json));
    """

    /// v10: served objects by path and by kind, so a one-shot `sync` finds the namespaces a
    /// changed file feeds, and whether a Policy governs other namespaces, without reading
    /// every served row.
    static let v10 = """
    CREATE INDEX served_object_path ON served_object(path);
    CREATE INDEX served_object_kind ON served_object(kind);
    """
}
