#!/usr/bin/env python3
"""bench/diff.py - `sluice diff` per CPU-second and its peak memory, next to DuckDB.

Generates two NDJSON files of SLUICE_BENCH_ROWS rows (default 10,000,000) once into
build/bench/ (reused when present): {"id", "name", "amount" DECIMAL, "ts" TIMESTAMP}; the right
file differs in 0.1% of the keys (a third changed amounts, a third missing, a third extra) and is
written in another order of keys within blocks. Then, alternating the engines (A B A B,
SLUICE_BENCH_ROUNDS rounds, default 2; each engine's best run counts):
  - sluice diff LEFT RIGHT --key id --format json (in memory, default --memory 512mb: the
    inputs are partitioned to temporary files when larger), and once more with --memory 256mb;
  - DuckDB (npm @duckdb/node-api) computing the same counts with a FULL OUTER JOIN on the same
    files (bench/diff_duckdb.mjs).
CPU time is user + system from wait4(), peak memory its ru_maxrss. The counts of both engines
must agree. Prints a table and, last, the figures as one JSON line.
Usage: python3 bench/diff.py [path/to/sluice]
"""
import json
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SLUICE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/sluice"))
N = int(os.environ.get("SLUICE_BENCH_ROWS", "10000000"))
ROUNDS = int(os.environ.get("SLUICE_BENCH_ROUNDS", "2"))
BENCH = os.path.join(ROOT, "bench")
DATA_DIR = os.path.join(ROOT, "build", "bench")
LEFT = os.path.join(DATA_DIR, "diff-left-%d.jsonl" % N)
RIGHT = os.path.join(DATA_DIR, "diff-right-%d.jsonl" % N)


def row(i, amount_cents):
    return '{"id": %d, "name": "customer %d", "amount": %d.%02d, "ts": "2024-01-%02d %02d:%02d:%02d"}\n' % (
        i, i % 100000, amount_cents // 100, amount_cents % 100, 1 + i % 28, i % 24, i % 60, i % 59)


def generate():
    if os.path.exists(LEFT) and os.path.exists(RIGHT):
        return
    os.makedirs(DATA_DIR, exist_ok=True)
    rnd = random.Random(12)
    with open(LEFT + ".tmp", "w") as lf, open(RIGHT + ".tmp", "w") as rf:
        block_l, block_r = [], []
        for i in range(N):
            cents = (i * 7919) % 1000000
            block_l.append(row(i, cents))
            r = rnd.random()
            if r < 0.000333:
                pass                                        # missing on the right
            elif r < 0.000667:
                block_r.append(row(i, cents + 1))           # changed amount
            else:
                block_r.append(row(i, cents))
                if r < 0.001:
                    block_r.append(row(N + i, cents))      # extra on the right
            if len(block_l) == 10000:
                rnd.shuffle(block_r)
                lf.write("".join(block_l))
                rf.write("".join(block_r))
                block_l, block_r = [], []
        rnd.shuffle(block_r)
        lf.write("".join(block_l))
        rf.write("".join(block_r))
    os.rename(LEFT + ".tmp", LEFT)
    os.rename(RIGHT + ".tmp", RIGHT)


def run(cmd, cwd=None):
    """(CPU seconds, peak RSS in MB, stdout, stderr, exit status) of one process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        out.seek(0)
        err.seek(0)
        return (ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0, out.read().decode(),
                err.read().decode(), os.waitstatus_to_exitcode(status))


def sluice(extra):
    cpu, rss, out, err, rc = run([SLUICE, "diff", LEFT, RIGHT, "--key", "id", "--format", "json",
                                  "--samples", "3", *extra])
    if rc not in (0, 1):
        sys.exit("sluice diff failed: %s" % err.strip())
    r = json.loads(out)
    return cpu, rss, {k: r[k] for k in ("missing", "extra", "differing", "matching")}, r["partitions"]


def duckdb():
    if not os.path.isdir(os.path.join(BENCH, "node_modules", "@duckdb", "node-api")):
        return None
    cpu, rss, out, err, rc = run(["node", os.path.join(BENCH, "diff_duckdb.mjs"), LEFT, RIGHT],
                                 cwd=BENCH)
    if rc != 0:
        print("duckdb failed: %s" % err.strip()[-300:])
        return None
    return cpu, rss, json.loads(out)


def main():
    generate()
    rows = N + sum(1 for _ in open(RIGHT))
    print("inputs: %d + %d rows, %.0f + %.0f MB; %d rounds, A B A B, best run counts"
          % (N, rows - N, os.path.getsize(LEFT) / 1e6,
             os.path.getsize(RIGHT) / 1e6, ROUNDS))
    best = {}
    for _ in range(ROUNDS):
        for name, f in (("sluice", lambda: sluice([])),
                        ("sluice_256mb", lambda: sluice(["--memory", "256mb"])),
                        ("duckdb", duckdb)):
            r = f()
            if r is None:
                continue
            if name not in best or r[0] < best[name][0]:
                best[name] = r
    counts = {k: v[2] for k, v in best.items()}
    if len({json.dumps(c, sort_keys=True) for c in counts.values()}) != 1:
        sys.exit("the engines disagree: %s" % counts)
    print("%-14s %10s %14s %10s" % ("engine", "CPU s", "rows/CPU-s", "peak MB"))
    res = {"rows": rows, "counts": next(iter(counts.values()))}
    for k, v in best.items():
        print("%-14s %10.2f %14.0f %10.0f%s" % (k, v[0], rows / v[0], v[1],
                                               "  (%d partitions)" % v[3] if len(v) > 3 else ""))
        res[k] = {"cpu_s": round(v[0], 3), "rows_per_cpu_s": round(rows / v[0]),
                  "peak_mb": round(v[1], 1)}
        if len(v) > 3:
            res[k]["partitions"] = v[3]
    print(json.dumps(res))


if __name__ == "__main__":
    main()
