#!/usr/bin/env python3
"""bench/sink.py - the filesystem sink's JSON-lines and CSV encoders, CPU per row written.

A datagen source of SLUICE_BENCH_ROWS (default 5,000,000) rows of ten mixed columns (BIGINT
sequence, INT, DECIMAL(10,2), DECIMAL(20,4), TIMESTAMP(3) from 1960 to 2030, TIMESTAMP_LTZ(3),
DATE from 1900 to 2100, BOOLEAN, a 16-character STRING of which every tenth row holds quotes to
escape, a 6-character STRING with 10% NULLs), the same rows every run (a fixed seed), goes to:
  - a blackhole sink (the floor: generating and projecting the rows),
  - a filesystem sink, format 'json', and one with format 'csv'.
The sink's cost per row is (file run - blackhole run) / rows. With a baseline binary (--base
PATH, or --base-rev REV to build that commit of this repository in a temporary clone, or
SLUICE_BENCH_BASE) both binaries run alternately (A B A B, SLUICE_BENCH_ROUNDS rounds, default
3; each run's best counts), and their JSON and CSV files must be byte-identical (SHA-256).
CPU time is user + system of the process, from wait4(). Prints a table and, last, the figures
as one JSON line.
Usage: python3 bench/sink.py [path/to/sluice] [--base PATH | --base-rev REV]
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile

# per-core figures: sluice on one worker unless the caller says otherwise
os.environ.setdefault("SLUICE_PARALLELISM", "1")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(os.environ.get("SLUICE_BENCH_ROWS", "5000000"))
ROUNDS = int(os.environ.get("SLUICE_BENCH_ROUNDS", "3"))

SRC = """CREATE TABLE g (id BIGINT, qty INT, amount DECIMAL(10, 2), total DECIMAL(20, 4),
  ts TIMESTAMP(3), seen TIMESTAMP_LTZ(3), day DATE, ok BOOLEAN, name STRING, code STRING)
WITH ('connector' = 'datagen', 'number-of-rows' = '%d', 'rows-per-second' = 'unlimited',
  'seed' = '1', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '%d',
  'fields.qty.min' = '-1000', 'fields.qty.max' = '100000',
  'fields.amount.min' = '-9999.99', 'fields.amount.max' = '99999.99',
  'fields.ts.min' = '1960-01-01 00:00:00', 'fields.ts.max' = '2030-12-31 23:59:59',
  'fields.seen.min' = '2020-01-01 00:00:00', 'fields.seen.max' = '2026-12-31 23:59:59',
  'fields.day.min' = '1900-01-01', 'fields.day.max' = '2100-12-31',
  'fields.name.length' = '16', 'fields.code.length' = '6', 'fields.code.null-rate' = '0.1');
""" % (N, N)
SINKS = {
    "blackhole": "CREATE TABLE sink WITH ('connector' = 'blackhole');\n",
    "json": "CREATE TABLE sink WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'json');\n",
    "csv": "CREATE TABLE sink WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv');\n",
}
INSERT = """INSERT INTO sink SELECT id, qty, amount, total, ts, seen, day, ok,
  CASE WHEN MOD(id, 10) = 0 THEN CONCAT('say "', name, '"') ELSE name END AS name, code FROM g;
"""


def run(cmd):
    """(CPU seconds of the process, its stderr, exit status)."""
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        err.seek(0)
        return ru.ru_utime + ru.ru_stime, err.read().decode(), os.waitstatus_to_exitcode(status)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return h.hexdigest()
            h.update(b)


def build_rev(rev, d):
    """Builds build/sluice of commit rev of this repository in a clone under d."""
    src = os.path.join(d, "base-src")
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", ROOT, src], check=True)
    subprocess.run(["git", "-C", src, "checkout", "-q", rev], check=True)
    subprocess.run(["make", "-C", src, "-j2", "build/sluice"], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(src, "build", "sluice")


def main():
    args = sys.argv[1:]
    base = os.environ.get("SLUICE_BENCH_BASE")
    base_rev = None
    if "--base" in args:
        i = args.index("--base")
        base = args[i + 1]
        del args[i:i + 2]
    if "--base-rev" in args:
        i = args.index("--base-rev")
        base_rev = args[i + 1]
        del args[i:i + 2]
    new = os.path.abspath(args[0] if args else os.path.join(ROOT, "build/sluice"))
    with tempfile.TemporaryDirectory() as d:
        if base_rev:
            base = build_rev(base_rev, d)
        bins = [("new", new)] + ([("base", os.path.abspath(base))] if base else [])
        best, digests = {}, {}
        for _ in range(ROUNDS):
            for sink in SINKS:
                for name, exe in bins:
                    out = os.path.join(d, "%s.%s" % (name, sink))
                    sql = os.path.join(d, "s.sql")
                    with open(sql, "w") as f:
                        f.write(SRC + (SINKS[sink] % out if "%s" in SINKS[sink] else SINKS[sink])
                                + INSERT)
                    cpu, err, rc = run([exe, "run", sql])
                    if rc != 0 or ("%d rows written" % N not in err and sink != "blackhole"):
                        sys.exit("%s %s failed: %s" % (name, sink, err.strip()[-400:]))
                    best[(name, sink)] = min(cpu, best.get((name, sink), cpu))
                    if sink != "blackhole":
                        digests[(name, sink)] = sha256(out)
                        size = os.path.getsize(out)
                        os.unlink(out)
                        best[(name, sink, "bytes")] = size
    print("%d rows of 10 columns from datagen; %d rounds alternating the binaries, best run counts"
          % (N, ROUNDS))
    print("%-6s %-9s %8s %13s %14s %10s" % ("build", "sink", "CPU s", "CPU-us / row", "sink us / row",
                                            "MB"))
    res = {"rows": N}
    for name, _ in bins:
        for sink in SINKS:
            cpu = best[(name, sink)]
            sink_us = (cpu - best[(name, "blackhole")]) / N * 1e6
            mb = best.get((name, sink, "bytes"), 0) / 1e6
            print("%-6s %-9s %8.2f %13.3f %14s %10s" % (
                name, sink, cpu, cpu / N * 1e6, "-" if sink == "blackhole" else "%.3f" % sink_us,
                "-" if sink == "blackhole" else "%.0f" % mb))
            res["%s_%s_cpu_s" % (name, sink)] = round(cpu, 3)
            if sink != "blackhole":
                res["%s_%s_sink_us_per_row" % (name, sink)] = round(sink_us, 4)
    if base:
        for sink in ("json", "csv"):
            same = digests[("new", sink)] == digests[("base", sink)]
            old = res["base_%s_sink_us_per_row" % sink]
            now = res["new_%s_sink_us_per_row" % sink]
            print("%s: output %s the base's; sink CPU per row %.3f -> %.3f us (%.2fx)" % (
                sink, "byte-identical to" if same else "DIFFERS from", old, now, old / now))
            res["%s_identical" % sink] = same
            res["%s_speedup" % sink] = round(old / now, 2)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
