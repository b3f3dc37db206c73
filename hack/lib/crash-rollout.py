#!/usr/bin/env python3
"""crash-rollout.py — kills a running `promptops controller` with SIGKILL in the middle of
canary rollouts and checks that the store survives and the rollout resumes.

Driven by hack/crash-test-rollout (which finds or builds the binary):

  crash-rollout.py --bin PROMPTOPS --work DIR [--kills 100] [--seed N]
                   [--scenarios measure,decide,notify,random,sync] [--bad-fraction 0.3] [--strict] [-v]

Set-up (all on 127.0.0.1, free ports): a git repository with namespace `helpdesk` (the
canary example's template and a Canary Deployment: setWeight 20, analysis, setWeight 50,
analysis; each analysis two `evaluation` measurements of the template's three tests) and
namespace `catalog` (40 templates, all rewritten by every commit, so a killed sync pass can
leave a namespace half-written if the store is not transactional); the model simulator
(hack/lib/model-simulator.py, run in this process with a delay so measurements are slow);
a webhook receiver that holds every request open for a while before answering 200; and a
controller config with a `webhook` receiver for every notification type and an egress grant
to the simulator.

Every kill: commit a new version of the prompt (a good one, or with probability
--bad-fraction a failing one: "Be terse and robotic."), then SIGKILL the controller at a
moment chosen by the scenario:

  measure  while the model simulator holds a chat completion of the canary's analysis
  decide   0..2×(calibrated) ms after the simulator answered the measurement that decides
           (the last one for a good prompt: the promotion; the first for a bad one: the
           rollback), i.e. around the transaction that writes the decision
  notify   while the receiver holds the decision's notification (Promoted/RolledBack) open
  random   at a uniform moment between the commit and the (calibrated) decision
  sync     0..10 ms after the controller's reconcile pass of the commit wrote its first
           namespace (catalog, then helpdesk: one transaction each)

then, with the controller dead:
  * PRAGMA integrity_check and foreign_key_check (opening read-write recovers the WAL the
    way a restarted controller does);
  * `promptops audit verify --db` passes;
  * every namespace serves exactly what a clean `promptops sync` of the revision it names
    (namespace_status.last_applied_revision) serves: wholly one revision;
  * every Deployment row agrees with its stored rollout state (phase, stable, canary);
  * at most one decision (audit record, event, outbox row, history row) for the version;
and restarts the controller on the same store and config, and checks:
  * the rollout ends Promoted (good prompt) or RolledBack (bad prompt) within --timeout;
  * exactly one decision for the version: one rollout.promoted/rollout.rolledBack audit
    record, one Promoted/RolledBack event, one outbox row, one deployment_history row;
  * one `apply` audit record per namespace and revision;
  * every outbox notification ends `delivered`, the receiver answered each one at least
    once, and each one that was not delivered at the kill reached the receiver again
    after the restart (the outbox survives the kill).

A failed check keeps everything under --findings (default /tmp/crash-findings): the store as
the kill left it, the store after the restart, controller logs, the repository, what the
receiver and simulator saw, and a README with the problems and how to reproduce.
Prints `RESULT scenario=rollout-<name> kills=N survived=M findings=...` lines at the end.
"""
import argparse
import importlib.util
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import types
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
GIT = ["git", "-c", "user.name=Crash Bot", "-c", "user.email=crash@example.com", "-c", "commit.gpgsign=false"]
NOTIFICATION_TYPES = ["Applied", "Blocked", "SyncFailed", "CanaryStarted", "StepAdvanced", "Paused",
                      "Promoted", "RolledBack", "Superseded", "Cancelled", "ManualOverride"]
NS, DEPLOYMENT, TEMPLATE = "helpdesk", "support-reply-prod", "support-reply"
CATALOG, CATALOG_SIZE = "catalog", 40
TESTS_PER_MEASUREMENT = 3      # the template's tests × repeats 1
MEASUREMENTS_GOOD = 4          # two analysis steps × count 2
MEASUREMENTS_BAD = 1           # failureLimit 0: the first failing measurement decides


def log(msg):
    print(msg, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()


# --------------------------------------------------------------------------------------
# Stand-in services, in this process so the kill can be timed on what they see.

class Probe:
    """What the simulator and the receiver saw; guarded by `cond`."""

    def __init__(self):
        self.cond = threading.Condition()
        self.sim_inflight = 0
        self.sim_answered = 0
        self.sim_last_answer = 0.0
        self.hold = 0.2
        self.kill_plan = None  # {"target": answers, "offset": s, "pid": pid}: the simulator kills
        self.hooks = []   # one dict per request the receiver got


class QuietServer(ThreadingHTTPServer):
    """Drops the traceback of a client that went away (the controller was killed mid-request)."""
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def start_simulator(probe, port, logfile):
    sys.dont_write_bytecode = True  # no __pycache__ in hack/lib
    spec = importlib.util.spec_from_file_location("model_simulator", os.path.join(HERE, "model-simulator.py"))
    sim = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sim)
    sim.sys = types.SimpleNamespace(stderr=open(logfile, "a", buffering=1))  # its request log

    class Handler(sim.Handler):
        def do_POST(self):
            with probe.cond:
                probe.sim_inflight += 1
                probe.cond.notify_all()
            try:
                super().do_POST()
            finally:
                fire = None
                with probe.cond:
                    probe.sim_inflight -= 1
                    probe.sim_answered += 1
                    probe.sim_last_answer = time.time()
                    plan = probe.kill_plan
                    if plan and "fired" not in plan and probe.sim_answered >= plan["target"]:
                        plan["fired"] = fire = plan
                    probe.cond.notify_all()
                if fire:
                    # The answer that decides the analysis is out: kill from here, `offset` later,
                    # without waiting for the main thread to wake up.
                    time.sleep(fire["offset"])
                    os.kill(fire["pid"], signal.SIGKILL)
                    with probe.cond:
                        fire["killed_at"] = time.time()
                        probe.cond.notify_all()

    server = QuietServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Handler


def start_receiver(probe, port):
    class Hook(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            pass

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            try:
                doc = json.loads(body)
            except ValueError:
                doc = {}
            rec = {"id": str(doc.get("id")), "type": str(doc.get("type", "")).rsplit(".", 1)[-1],
                   "subject": doc.get("subject"), "key": self.headers.get("Idempotency-Key"),
                   "start": time.time(), "end": None, "ok": False}
            with probe.cond:
                probe.hooks.append(rec)
                hold = probe.hold
                probe.cond.notify_all()
            time.sleep(hold)
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
                self.wfile.flush()
                rec["ok"] = True
            except OSError:
                pass
            finally:
                with probe.cond:
                    rec["end"] = time.time()
                    probe.cond.notify_all()

    server = QuietServer(("127.0.0.1", port), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()


# --------------------------------------------------------------------------------------
# The repository, the config and the controller.

SUPPORT_REPLY = """apiVersion: promptops.dev/v1alpha1
kind: PromptTemplate
metadata:
  name: support-reply
  namespace: helpdesk
  labels: {{team: helpdesk}}
spec:
  description: Reply to a customer ticket (crash test revision {n}).
  model: {{provider: simulator, name: support-sim}}
  inputs:
    customer_name: {{type: string, required: true, maxLength: 100}}
    ticket: {{type: string, required: true, minLength: 1}}
    tone: {{type: string, enum: [friendly, formal], default: friendly}}
  messages:
    - role: system
      content: |
        You are a customer support specialist for Acme Outdoor (revision {n}).
        {bad}Answer in a {{{{tone}}}} tone. Address the customer as {{{{customer_name}}}}.
        Sign off as the Acme Support team.
    - role: user
      content: "{{{{ticket}}}}"
  tests:
    - name: greets-by-name
      vars: {{customer_name: Ana, ticket: "Where is my order?"}}
      assert:
        - {{type: contains, value: "Hi Ana"}}
        - {{type: not-contains, value: "As an AI"}}
        - {{type: max-length, value: 600}}
    - name: stays-on-topic
      vars: {{customer_name: Li, ticket: "Can I change my delivery address?", tone: formal}}
      assert:
        - {{type: icontains, value: "address"}}
        - {{type: not-contains, value: "cannot help"}}
    - name: signs-off
      vars: {{customer_name: Sam, ticket: "Do you ship to Norway?"}}
      assert:
        - {{type: contains, value: "Acme Support team"}}
"""

DEPLOYMENT_YAML = """apiVersion: promptops.dev/v1alpha1
kind: Deployment
metadata: {{name: support-reply-prod, namespace: helpdesk}}
spec:
  template: support-reply
  environment: production
  strategy:
    type: Canary
    canary:
      steps:
        - setWeight: 20
        - analysis: {{}}
        - setWeight: 50
        - analysis: {{}}
  analysis:
    interval: {interval}
    count: 2
    failureLimit: 0
    inconclusiveLimit: 1
    metrics:
      - name: eval-pass-rate
        provider:
          evaluation: {{endpoint: "http://127.0.0.1:{port}/v1", model: support-sim, repeats: 1, timeout: 20s}}
        thresholdRange: {{min: 0.9}}
"""

CATALOG_ITEM = """apiVersion: promptops.dev/v1alpha1
kind: PromptTemplate
metadata: {{name: item-{i:02d}, namespace: catalog}}
spec:
  text: "Describe catalog item {i} briefly (revision {n})."
"""

CONFIG = """apiVersion: promptops.dev/v1alpha1
kind: ControllerConfig
listen: 127.0.0.1:{listen}
store: {{path: {db}}}
sources:
  - name: prompts
    url: {repo}
    branch: main
    interval: 300ms
receivers:
  - name: hook
    type: webhook
    url: http://127.0.0.1:{hook}/hook
notifications:
  - receiver: hook
    events: [{events}]
egress:
  - namespaces: ["*"]
    urls: ["http://127.0.0.1:{sim}/"]
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


class Env:
    """One repository + store + config + controller; re-created after a failure."""

    def __init__(self, root, index, args, ports):
        self.dir = os.path.join(root, f"env-{index}")
        self.repo = os.path.join(self.dir, "repo")
        self.db = os.path.join(self.dir, "store.db")
        self.config = os.path.join(self.dir, "controller.yaml")
        self.refs = os.path.join(self.dir, "refs")
        self.logs = os.path.join(self.dir, "logs")
        self.bin = args.bin
        self.args = args
        self.ports = ports
        self.n = 0
        self.revisions = []          # every commit, oldest first
        self.bad = {}                # revision -> a failing prompt
        self.ref_cache = {}
        self.proc = None
        self.log_index = 0
        for d in (self.repo, self.refs, self.logs):
            os.makedirs(d, exist_ok=True)
        subprocess.run(["git", "init", "-q", "-b", "main", self.repo], check=True)
        write(os.path.join(self.repo, NS, "deployment.yaml"),
              DEPLOYMENT_YAML.format(interval=args.interval, port=ports["sim"]))
        write(self.config, CONFIG.format(listen=ports["ctl"], db=self.db, repo=self.repo, hook=ports["hook"],
                                         events=", ".join(NOTIFICATION_TYPES), sim=ports["sim"]))
        self.commit(bad=False)

    def commit(self, bad):
        self.n += 1
        write(os.path.join(self.repo, NS, "support-reply.yaml"),
              SUPPORT_REPLY.format(n=self.n, bad="Be terse and robotic. " if bad else ""))
        for i in range(CATALOG_SIZE):
            write(os.path.join(self.repo, CATALOG, f"item-{i:02d}.yaml"), CATALOG_ITEM.format(i=i, n=self.n))
        subprocess.run(GIT + ["-C", self.repo, "add", "-A"], check=True)
        subprocess.run(GIT + ["-C", self.repo, "commit", "-q", "-m", f"revision {self.n}{' (bad prompt)' if bad else ''}"],
                       check=True)
        rev = subprocess.run(["git", "-C", self.repo, "rev-parse", "HEAD"], capture_output=True, text=True,
                             check=True).stdout.strip()
        self.revisions.append(rev)
        self.bad[rev] = bad
        return rev

    # The controller --------------------------------------------------------------

    def start(self):
        self.log_index += 1
        self.log_path = os.path.join(self.logs, f"controller-{self.log_index:03d}.log")
        self.proc = subprocess.Popen([self.bin, "controller", "--config", self.config, "--log-level", "info"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(self.log_path, "wb"))
        self.started_at = time.time()

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc:
            self.proc.wait()
        self.proc = None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    # The store -------------------------------------------------------------------

    def ro(self):
        return sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=10)

    def reference(self, rev):
        """What a clean sync of `rev` serves: {namespace: set of objects}, via `promptops sync`."""
        if rev not in self.ref_cache:
            path = os.path.join(self.refs, f"{rev[:12]}.db")
            if not os.path.exists(path):
                subprocess.run([self.bin, "sync", "--repo", self.repo, "--db", path, "--revision", rev, "--log-level", "error"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            con = sqlite3.connect(path)
            self.ref_cache[rev] = served_sets(con)
            con.close()
        return self.ref_cache[rev]


def served_sets(con):
    out = {}
    for ns, kind, name, h in con.execute("SELECT namespace, kind, name, hash FROM served_object"):
        out.setdefault(ns, set()).add((kind, name, h))
    for ns, name, template in con.execute("SELECT namespace, name, template FROM deployment"):
        out.setdefault(ns, set()).add(("deployment-row", name, template))
    return out


def version_of(con, rev):
    row = con.execute("SELECT version FROM template_version WHERE namespace = ? AND template = ? AND revision = ?",
                      (NS, TEMPLATE, rev)).fetchone()
    return row[0] if row else None


def decisions(con, v):
    """Records of the decision about canary version v: audit, events, outbox, history."""
    audit = con.execute("""SELECT seq, action FROM audit_record WHERE namespace = ? AND object = ?
                           AND action IN ('rollout.promoted', 'rollout.rolledBack')
                           AND json_extract(details_json, '$.version.version') = ?""",
                        (NS, f"Deployment/{DEPLOYMENT}", v)).fetchall()
    events = con.execute("""SELECT id, reason FROM event WHERE namespace = ? AND name = ? AND reason IN ('Promoted', 'RolledBack')
                            AND (message LIKE ? OR message LIKE ?)""",
                         (NS, DEPLOYMENT, f"{TEMPLATE} v{v} promoted %", f"{TEMPLATE} v{v} rolled back%")).fetchall()
    outbox = con.execute("""SELECT id, event_id, type FROM outbox WHERE namespace = ? AND type IN ('Promoted', 'RolledBack')
                            AND json_extract(data_json, '$.version.version') = ?""", (NS, v)).fetchall()
    history = con.execute("""SELECT id, action FROM deployment_history WHERE namespace = ? AND deployment = ?
                             AND ((action = 'Promoted' AND to_version = ?) OR (action = 'RolledBack' AND from_version = ?))""",
                          (NS, DEPLOYMENT, v, v)).fetchall()
    return {"audit": audit, "events": events, "outbox": outbox, "history": history}


def undelivered(con):
    """Event ids of outbox notifications not (yet) delivered to every receiver."""
    rows = con.execute("""SELECT o.event_id FROM outbox o LEFT JOIN outbox_delivery d ON d.outbox_id = o.id
                          WHERE o.routed = 0 OR d.state IS NULL OR d.state <> 'delivered'""").fetchall()
    return {str(r[0]) for r in rows}


# --------------------------------------------------------------------------------------
# Checks

def check_offline(env, rev, problems, facts):
    """The store as the kill left it (controller dead)."""
    con = sqlite3.connect(env.db, timeout=10)  # read-write: recovers the WAL as a restart would
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            problems.append(f"integrity_check: {integrity}")
            return
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"foreign_key_check: {fk[:3]}")
        # Every namespace wholly at one revision.
        got = served_sets(con)
        status = dict(con.execute("SELECT namespace, last_applied_revision FROM namespace_status").fetchall())
        at = {}
        for ns in (NS, CATALOG):
            r = status.get(ns)
            if r not in env.revisions:
                problems.append(f"namespace {ns}: last applied revision {r} is none of the commits")
                continue
            want = env.reference(r).get(ns, set())
            if got.get(ns, set()) != want:
                diff = sorted(got.get(ns, set()) ^ want)[:4]
                problems.append(f"namespace {ns} says revision {r[:12]} but does not serve exactly what it serves "
                                f"(differences: {diff})")
            at[ns] = "new" if r == rev else "old"
        facts["namespaces"] = at
        # Deployment rows agree with their rollout state.
        for ns, name, phase, stable, canary in con.execute(
                "SELECT namespace, name, phase, stable_version, canary_version FROM deployment"):
            row = con.execute("SELECT state_json FROM rollout WHERE namespace = ? AND deployment = ?", (ns, name)).fetchone()
            if not row:
                continue
            state = json.loads(row[0])
            want = (state.get("phase"), (state.get("stable") or {}).get("version"), (state.get("canary") or {}).get("version"))
            if (phase, stable, canary) != want:
                problems.append(f"deployment {ns}/{name} row (phase, stable, canary) = {(phase, stable, canary)} "
                                f"but its rollout state says {want}")
        # At most one decision so far.
        v = version_of(con, rev)
        facts["version"] = v
        if v is not None:
            d = decisions(con, v)
            for what, rows in d.items():
                if len(rows) > 1:
                    problems.append(f"after the kill: {len(rows)} {what} decisions for v{v}: {rows}")
            facts["decided_at_kill"] = bool(d["audit"])
            if d["outbox"]:
                facts["decision_event"] = str(d["outbox"][0][1])
        facts["pending_at_kill"] = undelivered(con)
        row = con.execute("SELECT phase, canary_weight FROM deployment WHERE namespace = ? AND name = ?", (NS, DEPLOYMENT)).fetchone()
        facts["phase_at_kill"] = row
    finally:
        con.close()
    audit = subprocess.run([env.bin, "audit", "verify", "--db", env.db], capture_output=True, text=True)
    if audit.returncode != 0:
        problems.append(f"audit verify failed (exit {audit.returncode}): {(audit.stdout + audit.stderr).strip()[-300:]}")


def rollout_state(env, rev):
    """(version, phase, stable, canary, decisions) of the rollout of `rev`, read while the controller runs."""
    con = env.ro()
    try:
        v = version_of(con, rev)
        if v is None:
            return None
        row = con.execute("SELECT phase, stable_version, canary_version FROM deployment WHERE namespace = ? AND name = ?",
                          (NS, DEPLOYMENT)).fetchone()
        return v, row, decisions(con, v)
    finally:
        con.close()


def wait_for(what, predicate, timeout, env=None, problems=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            result = predicate()
        except sqlite3.OperationalError:
            result = None
        if result:
            return result
        if env is not None and not env.alive():
            if problems is not None:
                problems.append(f"the controller exited (code {env.proc.returncode}) while waiting for {what}")
            return None
        time.sleep(0.05)
    if problems is not None:
        problems.append(f"timed out after {timeout:.0f}s waiting for {what}")
    return None


def check_resumed(env, probe, rev, bad, facts, problems, timeout, notes=None, strict=False):
    """After the restart: the rollout ends with its one decision and every notification is delivered."""
    expected = "rollout.rolledBack" if bad else "rollout.promoted"
    notes = [] if notes is None else notes

    def finished():
        s = rollout_state(env, rev)
        if not s:
            return None
        v, row, d = s
        if not d["audit"]:
            return None
        phase, stable, canary = row
        if bad and phase == "Degraded" and canary is None:
            return s
        if not bad and phase == "Healthy" and stable == v and canary is None:
            return s
        return None

    s = wait_for(f"the rollout of {rev[:12]} to end {'RolledBack' if bad else 'Promoted'}", finished, timeout, env, problems)
    if not s:
        st = rollout_state(env, rev)
        problems.append(f"rollout state at the timeout: {st}")
        return
    v, row, d = s
    actions = [a for _, a in d["audit"]]
    if actions != [expected]:
        problems.append(f"v{v}: decision audit records {d['audit']}, expected exactly one {expected}")
    for what in ("events", "outbox", "history"):
        if len(d[what]) != 1:
            problems.append(f"v{v}: {len(d[what])} {what} rows for the decision (expected 1): {d[what]}")
    con = env.ro()
    try:
        # One `apply` record per namespace and revision (known product issue when the restart
        # comes during a canary: see the report; a note unless --strict).
        for ns in (NS, CATALOG):
            rows = con.execute("""SELECT seq, time, json_extract(details_json, '$.changed'), json_extract(details_json, '$.switches')
                                  FROM audit_record WHERE action = 'apply' AND namespace = ? AND revision = ?""",
                               (ns, rev)).fetchall()
            if not rows:
                problems.append(f"no apply audit record for {ns} at {rev[:12]}")
            elif len(rows) > 1:
                text = f"{len(rows)} apply audit records for {ns} at {rev[:12]} (seq, time, changed, switches): {rows}"
                (problems.append(text) if strict else notes.append(("duplicate-apply", text)))
        # The decision's evidence: measurements of this canary version only.
        row = con.execute("""SELECT seq, details_json FROM audit_record WHERE namespace = ? AND object = ?
                             AND action IN ('rollout.promoted', 'rollout.rolledBack')
                             AND json_extract(details_json, '$.version.version') = ?""",
                          (NS, f"Deployment/{DEPLOYMENT}", v)).fetchone()
        if row:
            own = {t for (t,) in con.execute("SELECT time FROM measurement WHERE namespace = ? AND deployment = ? AND canary_version = ?",
                                             (NS, DEPLOYMENT, v))}
            foreign = [e.get("at") for e in json.loads(row[1]).get("evidence", []) if e.get("at") not in own]
            if foreign:
                text = (f"audit record {row[0]} (decision about v{v}) cites {len(foreign)} measurement(s) that are not of v{v}: "
                        f"{foreign[:5]}")
                (problems.append(text) if strict else notes.append(("foreign-evidence", text)))
        got = served_sets(con)
        status = dict(con.execute("SELECT namespace, last_applied_revision FROM namespace_status").fetchall())
    finally:
        con.close()
    for ns in (NS, CATALOG):
        if status.get(ns) != rev or got.get(ns, set()) != env.reference(rev).get(ns, set()):
            problems.append(f"after the restart namespace {ns} is not wholly at {rev[:12]} (status {status.get(ns)})")
    decision_event = str(d["outbox"][0][1]) if d["outbox"] else None
    facts["decision_event"] = decision_event

    # Notifications: everything in the outbox delivered; the receiver answered each at least once.
    def all_delivered():
        con = env.ro()
        try:
            pending = undelivered(con)
            ids = {str(r[0]) for r in con.execute("SELECT event_id FROM outbox")}
        finally:
            con.close()
        if pending:
            return None
        with probe.cond:
            answered = {h["id"] for h in probe.hooks if h["ok"]}
        return ids if ids <= answered else None

    ids = wait_for("every outbox notification to be delivered", all_delivered, timeout, env, problems)
    if ids is None:
        con = env.ro()
        try:
            rows = con.execute("""SELECT o.event_id, o.type, o.routed, d.state, d.attempts, d.last_error FROM outbox o
                                  LEFT JOIN outbox_delivery d ON d.outbox_id = o.id
                                  WHERE o.routed = 0 OR d.state IS NULL OR d.state <> 'delivered'""").fetchall()
        finally:
            con.close()
        with probe.cond:
            answered = {h["id"] for h in probe.hooks if h["ok"]}
        problems.append(f"undelivered outbox rows (event, type, routed, state, attempts, error): {rows[:6]}")
        con = env.ro()
        try:
            missing = [r for r in con.execute("SELECT event_id, type FROM outbox") if str(r[0]) not in answered]
        finally:
            con.close()
        if missing:
            problems.append(f"notifications the receiver never answered: {missing[:6]}")
        return
    restarted = facts["restarted_at"]
    with probe.cond:
        after = {h["id"] for h in probe.hooks if h["ok"] and h["start"] >= restarted}
    lost = sorted(facts["pending_at_kill"] - after, key=int)
    if lost:
        problems.append(f"notifications undelivered at the kill and not delivered after the restart: {lost}")
    facts["redelivered"] = len(facts["pending_at_kill"])
    if decision_event:
        with probe.cond:
            times = [h for h in probe.hooks if h["id"] == decision_event and h["ok"]]
        facts["decision_deliveries"] = len(times)
        facts["decision_after_restart"] = any(h["start"] >= restarted for h in times)


# --------------------------------------------------------------------------------------
# The kill loop

class Suite:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.probe = Probe()
        self.ports = {"sim": free_port(), "hook": free_port(), "ctl": free_port()}
        while len(set(self.ports.values())) < 3:
            self.ports["ctl"] = free_port()
        self.sim = start_simulator(self.probe, self.ports["sim"], os.path.join(args.work, "simulator.log"))
        start_receiver(self.probe, self.ports["hook"])
        self.env_index = 0
        self.stats = {}
        self.notes = {}

    def new_env(self):
        self.env_index += 1
        self.env = Env(self.args.work, self.env_index, self.args, self.ports)
        self.env.start()
        rev = self.env.revisions[-1]
        problems = []
        ok = wait_for("the first revision to be served", lambda: rollout_state(self.env, rev) and
                      rollout_state(self.env, rev)[1] is not None, self.args.timeout, self.env, problems)
        if not ok:
            raise SystemExit(f"set-up failed: {problems}; logs in {self.env.logs}")

    def set_speeds(self, delay, hold):
        self.sim.delay = delay
        with self.probe.cond:
            self.probe.hold = hold

    def calibrate(self):
        """One clean good and one clean bad rollout: how long they take (for the kill windows)."""
        self.calib = {}
        for bad in (False, True):
            self.set_speeds(self.args.delay, self.args.hold)
            with self.probe.cond:
                answered0 = self.probe.sim_answered
            t0 = time.time()
            rev = self.env.commit(bad)
            problems, facts = [], {"pending_at_kill": set(), "restarted_at": t0}
            check_resumed(self.env, self.probe, rev, bad, facts, problems, self.args.timeout)
            if problems:
                raise SystemExit(f"calibration rollout ({'bad' if bad else 'good'}) failed: {problems}; logs in {self.env.logs}")
            con = self.env.ro()
            try:
                v = version_of(con, rev)
                ev = decisions(con, v)["events"][0][0]
                t_decision = parse_time(con.execute("SELECT time FROM event WHERE id = ?", (ev,)).fetchone()[0])
            finally:
                con.close()
            with self.probe.cond:
                answered = self.probe.sim_answered - answered0
                last = self.probe.sim_last_answer
            want = TESTS_PER_MEASUREMENT * (MEASUREMENTS_BAD if bad else MEASUREMENTS_GOOD)
            self.calib[bad] = {"total": t_decision - t0, "gap": max(0.0, t_decision - last), "requests": answered}
            log(f"calibration ({'bad' if bad else 'good'} prompt): decision {t_decision - t0:.2f}s after the commit, "
                f"{(t_decision - last) * 1000:.0f} ms after the last model answer; {answered} model requests (expected {want})")
            if answered != want:
                raise SystemExit(f"calibration: {answered} model requests for one rollout, expected {want}")

    def run(self):
        a = self.args
        self.new_env()
        self.calibrate()
        scenarios = [a.scenarios[i % len(a.scenarios)] for i in range(a.kills)]
        self.rng.shuffle(scenarios)
        started = time.time()
        for i, scenario in enumerate(scenarios, 1):
            bad = self.rng.random() < a.bad_fraction
            self.one_kill(i, scenario, bad)
        self.env.kill()
        self.report(time.time() - started)

    def wait_probe(self, what, predicate, timeout):
        deadline = time.time() + timeout
        with self.probe.cond:
            while not predicate():
                left = deadline - time.time()
                if left <= 0 or not self.env.alive():
                    return False
                self.probe.cond.wait(min(left, 0.2))
        return True

    def one_kill(self, i, scenario, bad):
        a, env, probe = self.args, self.env, self.probe
        st = self.stats.setdefault(scenario, {"kills": 0, "survived": 0, "bad": 0, "decided_before_kill": 0,
                                              "redelivered": 0, "decision_after_restart": 0, "missed": 0,
                                              "mid_sync": 0, "failures": []})
        st["kills"] += 1
        st["bad"] += bad
        self.set_speeds(a.slow_delay if scenario == "measure" else a.delay,
                        a.slow_hold if scenario == "notify" else a.hold)
        with probe.cond:
            answered0 = probe.sim_answered
            hooks0 = len(probe.hooks)
        t0 = time.time()
        rev = env.commit(bad)
        problems, note = [], ""
        decision_type = "RolledBack" if bad else "Promoted"
        if scenario == "measure":
            # Which measurement of the rollout: any of the four for a good prompt (the later ones
            # find the canary already saved at 20% or 50%), the first (deciding) one for a bad one.
            m = 1 if bad else self.rng.randint(1, MEASUREMENTS_GOOD)
            before = (m - 1) * TESTS_PER_MEASUREMENT
            hit = self.wait_probe(f"measurement {m}",
                                  lambda: probe.sim_answered - answered0 >= before and probe.sim_inflight > 0, a.timeout)
            if hit:
                time.sleep(self.rng.uniform(0.02, a.slow_delay * 0.9))
                with probe.cond:
                    hit = probe.sim_inflight > 0
            note = (f"killed with a model request of measurement {m} in flight" if hit else
                    f"missed: no model request in flight at the kill (measurement {m})")
        elif scenario == "decide":
            want = TESTS_PER_MEASUREMENT * (MEASUREMENTS_BAD if bad else MEASUREMENTS_GOOD)
            offset = self.rng.uniform(0, max(0.005, 3 * self.calib[bad]["gap"]))
            with probe.cond:
                probe.kill_plan = {"target": answered0 + want, "offset": offset, "pid": env.proc.pid}
            hit = self.wait_probe("the deciding measurement", lambda: "killed_at" in probe.kill_plan, a.timeout)
            with probe.cond:
                probe.kill_plan = None
            note = f"killed {offset * 1000:.1f} ms after the deciding model answer"
        elif scenario == "notify":
            def holding():
                return any(h["type"] == decision_type and h["end"] is None for h in probe.hooks[hooks0:])
            hit = self.wait_probe(f"the {decision_type} notification", holding, a.timeout)
            if hit:
                time.sleep(self.rng.uniform(0.05, a.slow_hold * 0.8))
                with probe.cond:
                    hit = holding()
            note = f"killed while the receiver held {decision_type}" if hit else f"missed: {decision_type} answered before the kill"
        elif scenario == "sync":
            # The controller's reconcile pass of the commit writes one namespace per transaction
            # (catalog, then helpdesk): kill 0..sync-window after the first names the revision.
            extra = self.rng.uniform(0, a.sync_window)
            con = env.ro()
            deadline = time.time() + a.timeout
            hit = False
            try:
                while time.time() < deadline and env.alive():
                    try:
                        if con.execute("SELECT count(*) FROM namespace_status WHERE last_applied_revision = ?",
                                       (rev,)).fetchone()[0]:
                            hit = True
                            break
                    except sqlite3.OperationalError:
                        pass
                    time.sleep(0.002)
            finally:
                con.close()
            time.sleep(extra)
            note = f"killed {extra * 1000:.0f} ms after the pass wrote its first namespace"
            if not hit:
                problems.append("timed out waiting for the controller to apply the commit")
        else:
            hit = True
            time.sleep(self.rng.uniform(0, self.calib[bad]["total"] + 0.5))
            note = "killed at a random moment"
        if not hit and not env.alive():
            problems.append(f"the controller exited by itself (code {env.proc.returncode}) before the kill")
        elif not hit and scenario in ("decide",):
            problems.append(f"timed out waiting for the {scenario} moment (model answers so far: "
                            f"{probe.sim_answered - answered0})")
        if not hit:
            st["missed"] += 1
        kill_at = time.time()
        env.kill()
        snap = os.path.join(env.dir, "after-kill")
        shutil.rmtree(snap, ignore_errors=True)
        os.makedirs(snap)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(env.db + suffix):
                shutil.copy2(env.db + suffix, os.path.join(snap, "store.db" + suffix))
        facts = {"pending_at_kill": set()}
        if not problems:
            check_offline(env, rev, problems, facts)
        if facts.get("decided_at_kill"):
            st["decided_before_kill"] += 1
        if facts.get("namespaces") and len(set(facts["namespaces"].values())) > 1:
            st["mid_sync"] += 1
        notes = []
        if not problems:
            facts["restarted_at"] = time.time()
            env.start()
            check_resumed(env, probe, rev, bad, facts, problems, a.timeout, notes, a.strict)
        for kind, text in notes:
            self.note(kind, text, i, scenario, bad, rev, kill_at - t0, facts)
        if not problems:
            st["survived"] += 1
            st["redelivered"] += 1 if facts.get("pending_at_kill") else 0
            st["decision_after_restart"] += 1 if facts.get("decision_after_restart") else 0
            if a.verbose:
                log(f"kill {i:3d} {scenario:7s} {'bad ' if bad else 'good'} +{kill_at - t0:5.2f}s ok: {note}; "
                    f"phase at kill {facts.get('phase_at_kill')}, namespaces {facts.get('namespaces')}, "
                    f"decided before kill {bool(facts.get('decided_at_kill'))}, "
                    f"{len(facts['pending_at_kill'])} notifications pending at kill")
            return
        where = self.save_finding(i, scenario, bad, rev, kill_at - t0, note, problems, facts)
        st["failures"].append(where)
        log(f"kill {i:3d} {scenario:7s} {'bad ' if bad else 'good'} +{kill_at - t0:5.2f}s FAILED ({note}):")
        for p in problems:
            log(f"    {p}")
        log(f"    kept in {where}")
        env.kill()
        self.new_env()

    def note(self, kind, text, i, scenario, bad, rev, after, facts):
        """A product issue that does not fail the kill (see --strict): counted, the first one kept."""
        seen = self.notes.setdefault(kind, {"count": 0, "kept": None, "example": text})
        seen["count"] += 1
        if seen["kept"] is None:
            seen["kept"] = self.save_finding(i, scenario, bad, rev, after, f"product issue '{kind}', not counted as a failure",
                                             [text], facts, name=f"rollout-seed{self.args.seed}-{kind}", stop=False)

    def save_finding(self, i, scenario, bad, rev, after, note, problems, facts, name=None, stop=True):
        env = self.env
        if stop:
            env.kill()
        base = os.path.join(self.args.findings, name or f"rollout-seed{self.args.seed}-kill{i:03d}-{scenario}")
        shutil.rmtree(base, ignore_errors=True)
        os.makedirs(base)
        shutil.copytree(os.path.join(env.dir, "after-kill"), os.path.join(base, "store-after-kill"))
        os.makedirs(os.path.join(base, "store-after-restart"))
        if env.alive():  # a consistent copy while the controller runs
            src = sqlite3.connect(f"file:{env.db}?mode=ro", uri=True, timeout=10)
            dst = sqlite3.connect(os.path.join(base, "store-after-restart", "store.db"))
            src.backup(dst)
            dst.close()
            src.close()
        else:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(env.db + suffix):
                    shutil.copy2(env.db + suffix, os.path.join(base, "store-after-restart", "store.db" + suffix))
        shutil.copytree(env.logs, os.path.join(base, "logs"))
        shutil.copytree(env.repo, os.path.join(base, "repo"))
        shutil.copy2(env.config, os.path.join(base, "controller.yaml"))
        shutil.copy2(os.path.join(self.args.work, "simulator.log"), os.path.join(base, "simulator.log"))
        with self.probe.cond:
            json.dump(self.probe.hooks, open(os.path.join(base, "receiver.json"), "w"), indent=1)
        facts = {k: (sorted(v) if isinstance(v, set) else v) for k, v in facts.items()}
        with open(os.path.join(base, "README.txt"), "w") as f:
            f.write(f"crash-test-rollout finding: kill {i}, scenario {scenario}, {'bad' if bad else 'good'} prompt, "
                    f"revision {rev}, killed {after:.2f}s after the commit ({note}).\n\nProblems:\n")
            for p in problems:
                f.write(f"  - {p}\n")
            f.write(f"\nFacts: {json.dumps(facts, default=str)}\n\n")
            f.write("store-after-kill/ is the store exactly as the SIGKILL left it (db, wal, shm); "
                    "store-after-restart/ is the store when the check ended (for a failure: when it gave up).\n"
                    "Re-check: python3 -c \"import sqlite3; print(sqlite3.connect('store-after-kill/store.db')"
                    ".execute('PRAGMA integrity_check').fetchone())\"; promptops audit verify --db store-after-kill/store.db\n"
                    f"Re-run: PROMPTOPS_BIN={self.args.bin} hack/crash-test-rollout --kills {self.args.kills} "
                    f"--seed {self.args.seed} --scenarios {','.join(self.args.scenarios)}   "
                    "(same scenario order; kill moments are timing-dependent)\n")
        return base

    def report(self, seconds):
        log(f"rollout kills done in {seconds:.0f}s (seed {self.args.seed})")
        log(f"{'scenario':10s} {'kills':>5s} {'survived':>8s} {'bad':>4s} {'decided<kill':>12s} "
            f"{'mid-sync':>8s} {'redeliver':>9s} {'missed':>6s}")
        for name in self.args.scenarios:
            st = self.stats.get(name)
            if not st:
                continue
            log(f"{name:10s} {st['kills']:5d} {st['survived']:8d} {st['bad']:4d} {st['decided_before_kill']:12d} "
                f"{st['mid_sync']:8d} {st['redelivered']:9d} {st['missed']:6d}")
        log("  decided<kill: the decision was already committed when the kill came; mid-sync: the kill left the two "
            "namespaces at different revisions; redeliver: kills after which undelivered notifications were "
            "delivered again after the restart; missed: the kill came after the moment the scenario aims at")
        for kind, seen in self.notes.items():
            log(f"product issue '{kind}' after {seen['count']} kill(s) (not counted as failures; --strict fails on it); "
                f"first kept in {seen['kept']}\n    e.g. {seen['example'][:400]}")
            log(f"NOTE kind={kind} count={seen['count']} kept={seen['kept']}")
        for name in self.args.scenarios:
            st = self.stats.get(name)
            if st:
                log(f"RESULT scenario=rollout-{name} kills={st['kills']} survived={st['survived']} "
                    f"findings={','.join(st['failures'])}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bin", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--kills", type=int, default=100)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--scenarios", default="measure,decide,notify,random,sync")
    p.add_argument("--sync-window", type=float, default=0.01,
                   help="sync scenario: kill up to this many seconds after the pass wrote its first namespace")
    p.add_argument("--bad-fraction", type=float, default=0.3)
    p.add_argument("--interval", default="700ms", help="the analysis interval of the Deployment")
    p.add_argument("--delay", type=float, default=0.1, help="model answer delay (s) outside the measure scenario")
    p.add_argument("--slow-delay", type=float, default=0.6, help="model answer delay (s) in the measure scenario")
    p.add_argument("--hold", type=float, default=0.2, help="receiver hold (s) outside the notify scenario")
    p.add_argument("--slow-hold", type=float, default=2.0, help="receiver hold (s) in the notify scenario")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("--findings", default=os.environ.get("CRASH_FINDINGS", "/tmp/crash-findings"))
    p.add_argument("--strict", action="store_true",
                   help="also fail a kill on the known product issues (duplicate apply records, foreign evidence)")
    p.add_argument("--verbose", "-v", action="store_true")
    a = p.parse_args()
    if a.seed is None:
        a.seed = random.randrange(1, 1_000_000)
    a.scenarios = [s for s in a.scenarios.split(",") if s]
    for s in a.scenarios:
        if s not in ("measure", "decide", "notify", "random", "sync"):
            p.error(f"unknown scenario {s}")
    a.bin = os.path.abspath(a.bin)
    a.work = os.path.abspath(a.work)
    os.makedirs(a.findings, exist_ok=True)
    log(f"crash-test-rollout: {a.kills} SIGKILLs of `promptops controller` (scenarios {','.join(a.scenarios)}, "
        f"seed {a.seed}), work dir {a.work}")
    suite = Suite(a)
    try:
        suite.run()
    finally:
        if getattr(suite, "env", None):
            suite.env.kill()
    failed = sum(len(st["failures"]) for st in suite.stats.values())
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
