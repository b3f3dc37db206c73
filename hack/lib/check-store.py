#!/usr/bin/env python3
"""check-store.py TEST.db OLD.db NEW.db — prints 'ok old=N new=M' when TEST passes
PRAGMA integrity_check and every namespace serves exactly what OLD or NEW serves."""
import sqlite3, sys

def served(path):
    db = sqlite3.connect(path)
    rows = db.execute("SELECT namespace, kind, name, hash FROM served_object").fetchall()
    deployments = db.execute("SELECT namespace, name, template, stable_version FROM deployment").fetchall()
    status = dict(db.execute("SELECT namespace, last_applied_revision FROM namespace_status").fetchall())
    out = {}
    for ns, kind, name, h in rows:
        out.setdefault(ns, set()).add((kind, name, h))
    for ns, name, template, version in deployments:
        out.setdefault(ns, set()).add(("deployment-row", name, f"{template}@{version}"))
    return out, status, db

def main():
    test, old, new = sys.argv[1:4]
    db = sqlite3.connect(test)  # read-write: recovers the WAL as a restarted controller would
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    if integrity != "ok":
        print(f"FAIL integrity_check: {integrity}"); return
    fk = db.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        print(f"FAIL foreign_key_check: {fk[:3]}"); return
    t, t_status, _ = served(test)
    o, o_status, _ = served(old)
    n, n_status, _ = served(new)
    at_old = at_new = 0
    for ns in sorted(set(o) | set(n)):
        got = t.get(ns, set())
        if got == n.get(ns, set()) and t_status.get(ns) == n_status.get(ns):
            at_new += 1
        elif got == o.get(ns, set()) and t_status.get(ns) == o_status.get(ns):
            at_old += 1
        else:
            print(f"FAIL namespace {ns} is neither wholly old nor wholly new (status {t_status.get(ns)})"); return
    print(f"ok old={at_old} new={at_new} ")

main()
