#!/usr/bin/env python3
"""kill-sync.py — runs `promptops sync` and SIGKILLs it at a chosen moment (hack/crash-test).

kill-sync.py BIN REPO DB REVISION time SECONDS
    kill SECONDS after the start
kill-sync.py BIN REPO DB REVISION observe
    no kill: prints "TOTAL_MS FIRST_MS LAST_MS", when the pass ended and when the first and
    the last namespace were seen applied (polled every 10 ms)
kill-sync.py BIN REPO DB REVISION progress K EXTRA_SECONDS
    kill EXTRA_SECONDS after the K-th namespace of DB names REVISION as applied (the pass
    writes one namespace per transaction, so K = 0..namespaces-1 lands between or inside them)

Prints one line: what happened ("killed ..." or "finished before the kill").
"""
import os
import signal
import sqlite3
import subprocess
import sys
import time


def applied(db, revision):
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2)
        try:
            return con.execute("SELECT count(*) FROM namespace_status WHERE last_applied_revision = ?",
                               (revision,)).fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return -1


def main():
    binary, repo, db, revision, mode = sys.argv[1:6]
    start = time.monotonic()
    proc = subprocess.Popen([binary, "sync", "--repo", repo, "--db", db, "--revision", revision, "--log-level", "error"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if mode == "observe":
        first = last = None
        while proc.poll() is None:
            n = applied(db, revision)
            now = (time.monotonic() - start) * 1000
            if n > 0 and first is None:
                first = now
            if n > 0:
                last = now
            time.sleep(0.01)
        total = (time.monotonic() - start) * 1000
        if proc.returncode != 0:
            sys.exit(f"kill-sync.py: sync failed (exit {proc.returncode})")
        print(f"{total:.0f} {first if first is not None else total:.0f} {last if last is not None else total:.0f}")
        return
    if mode == "time":
        deadline = start + float(sys.argv[6])
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        what = f"killed {time.monotonic() - start:.2f}s into the pass"
    else:
        k, extra = int(sys.argv[6]), float(sys.argv[7])
        seen = 0
        while proc.poll() is None:
            seen = applied(db, revision)
            if seen >= k:
                break
            time.sleep(0.01)
        time.sleep(extra)
        what = f"killed {extra * 1000:.0f} ms after {seen} namespace(s) were applied ({time.monotonic() - start:.2f}s into the pass)"
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        print(what)
    else:
        print(f"finished before the kill (exit {proc.returncode}, {time.monotonic() - start:.2f}s)")


if __name__ == "__main__":
    main()
