"""Run the test stages one after another, every one even when an earlier one fails (make test).

Usage: python tools/run_stages.py NAME=COMMAND [NAME=COMMAND ...]

Each command runs through the shell with its output shown live. At the end a one-screen summary
gives, per stage, its verdict, the passed/failed counts it reported (pytest's closing line, or
ruff's error count) and its wall time; the exit status is 1 if any stage failed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)\b")
RUFF = re.compile(r"Found (\d+) errors?")


def counts(tail):
    """passed/failed/skipped counts from the closing lines of a stage's output."""
    found = {}
    for line in reversed(tail):
        hits = COUNT.findall(line)
        if hits and (" in " in line or line.startswith("=")):
            for num, word in hits:
                word = "errors" if word.startswith("error") else word
                found[word] = found.get(word, 0) + int(num)
            return found
        m = RUFF.search(line)
        if m:
            return {"failed": int(m.group(1))}
        if line.strip() == "All checks passed!":
            return {"passed": 1}
    return found


def run(name, cmd):
    print(f"\n===== stage {name}: {cmd}", flush=True)
    t0 = time.perf_counter()
    tail = []
    with subprocess.Popen(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, errors="replace") as proc:
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            tail.append(line.rstrip("\n"))
            del tail[:-40]
        rc = proc.wait()
    return {"name": name, "rc": rc, "seconds": time.perf_counter() - t0, "counts": counts(tail)}


def main(argv):
    stages = []
    for arg in argv:
        name, sep, cmd = arg.partition("=")
        if not sep or not name or not cmd:
            sys.exit(f"run_stages: expected NAME=COMMAND, got {arg!r}")
        stages.append((name, cmd))
    results = [run(name, cmd) for name, cmd in stages]
    print("\n" + "=" * 64)
    print(f"{'stage':10s} {'verdict':8s} {'passed':>7s} {'failed':>7s} {'skipped':>7s} {'seconds':>8s}")
    total_p = total_f = 0
    for r in results:
        c = r["counts"]
        p, f = c.get("passed", 0), c.get("failed", 0) + c.get("errors", 0)
        if r["rc"] != 0 and f == 0:
            f = 1  # a stage that failed without counting its failures still counts one
        total_p, total_f = total_p + p, total_f + f
        verdict = "ok" if r["rc"] == 0 else "FAILED"
        print(f"{r['name']:10s} {verdict:8s} {p:7d} {f:7d} {c.get('skipped', 0):7d} "
              f"{r['seconds']:8.1f}")
    print("=" * 64)
    bad = [r["name"] for r in results if r["rc"] != 0]
    print(f"stages: {len(results) - len(bad)} ok, {len(bad)} failed"
          + (f" ({', '.join(bad)})" if bad else ""))
    print(f"total: {total_p} passed, {total_f} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
