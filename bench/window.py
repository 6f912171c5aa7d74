#!/usr/bin/env python3
"""bench/window.py - windowed aggregation per CPU-second: sluice next to DuckDB on one file.

Generates SLUICE_BENCH_ROWS (default 20,000,000) NDJSON events once into build/bench/ (reused
when present): {"key": one of 100,000 keys, "price": DECIMAL(10,2), "ts": TIMESTAMP(3)}, the
timestamps 3 ms apart on average and out of order by up to 2 s. Then, alternating the engines
(A B A B, SLUICE_BENCH_ROUNDS rounds, default 3; each run's best counts):
  - sluice: TUMBLE 1 minute and HOP 10 s / 2 s, COUNT(*), SUM(price), MAX(price) GROUP BY key,
    window_start, window_end, file -> blackhole;
  - DuckDB (npm @duckdb/node-api, installed into bench/node_modules when missing): the same
    aggregation with read_ndjson on the same file, windows by integer division of epoch
    millis, materialised into a temporary table (bench/window_duckdb.mjs);
  - sluice with the datagen connector (the same number of rows, 100,000 keys, timestamps from
    a sequence) -> the same TUMBLE aggregation -> blackhole.
CPU time is user + system of each process (and its threads), from wait4(). Result rows are
counted on both sides and must agree. Prints a table and, last, the figures as one JSON line.
Usage: python3 bench/window.py [path/to/sluice]
"""
import datetime
import json
import os
import random
import re
import subprocess
import sys
import tempfile

# per-core figures: sluice on one worker unless the caller says otherwise
os.environ.setdefault("SLUICE_PARALLELISM", "1")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SLUICE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/sluice"))
N = int(os.environ.get("SLUICE_BENCH_ROWS", "20000000"))
ROUNDS = int(os.environ.get("SLUICE_BENCH_ROUNDS", "3"))
KEYS = 100000
BENCH = os.path.join(ROOT, "bench")
DATA_DIR = os.path.join(ROOT, "build", "bench")
DATA = os.path.join(DATA_DIR, "window-%d.jsonl" % N)


def generate():
    if os.path.exists(DATA):
        return
    os.makedirs(DATA_DIR, exist_ok=True)
    rnd = random.Random(6)
    keys = ["k%05d" % i for i in range(KEYS)]
    base = datetime.datetime(2024, 1, 1)
    secs = {}
    tmp = DATA + ".tmp"
    with open(tmp, "w") as f:
        chunk = []
        t = 0
        for i in range(N):
            t += rnd.randint(0, 6)
            ts = max(0, t - rnd.randint(0, 2000)) if rnd.random() < 0.2 else t
            s, ms = divmod(ts, 1000)
            st = secs.get(s)
            if st is None:
                if len(secs) > 4096:
                    secs.clear()
                st = secs[s] = (base + datetime.timedelta(seconds=s)).strftime("%Y-%m-%d %H:%M:%S")
            p = rnd.randint(1, 99999)
            chunk.append('{"key":"%s","price":%d.%02d,"ts":"%s.%03d"}\n' % (
                keys[rnd.randrange(KEYS)], p // 100, p % 100, st, ms))
            if len(chunk) == 100000:
                f.write("".join(chunk))
                chunk = []
        f.write("".join(chunk))
    os.rename(tmp, DATA)


SRC = """CREATE TABLE ev (key STRING, price DECIMAL(10, 2), ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'json');
""" % DATA
GEN = """CREATE TABLE ev (seq BIGINT, key INT, price DECIMAL(10, 2),
  ts AS TO_TIMESTAMP_LTZ(seq * 3, 3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'datagen', 'number-of-rows' = '%d', 'rows-per-second' = '%s',
  'fields.seq.kind' = 'sequence', 'fields.seq.start' = '1', 'fields.seq.end' = '%d',
  'fields.key.min' = '0', 'fields.key.max' = '%d',
  'fields.price.min' = '0.01', 'fields.price.max' = '999.99');
""" % (N, os.environ.get("SLUICE_BENCH_DATAGEN_RPS", "unlimited"), N, KEYS - 1)
AGG = """CREATE TABLE sink WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT key, window_start, window_end, COUNT(*), SUM(price), MAX(price)
FROM TABLE(%s) GROUP BY key, window_start, window_end;
"""
WINDOWS = {"tumble": "TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' MINUTE)",
           "hop": "HOP(TABLE ev, DESCRIPTOR(ts), INTERVAL '2' SECOND, INTERVAL '10' SECOND)"}


def run(cmd, cwd=None):
    """(CPU seconds of the process, its stdout, its stderr, exit status)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ru.ru_utime + ru.ru_stime, out.read().decode(), err.read().decode(), p.returncode


def sluice(sql_text, d):
    path = os.path.join(d, "w.sql")
    with open(path, "w") as f:
        f.write(sql_text)
    cpu, _, err, rc = run([SLUICE, "run", path])
    if rc != 0:
        return None, err.strip().splitlines()[0] if err.strip() else "exit %d" % rc
    m = re.search(r"sink\s+sink\s+(\d+) rows", err)
    return cpu, int(m.group(1)) if m else None


def duckdb(kind):
    cpu, out, err, rc = run(["node", os.path.join(BENCH, "window_duckdb.mjs"), kind, DATA], cwd=BENCH)
    if rc != 0:
        return None, err.strip().splitlines()[-1] if err.strip() else "exit %d" % rc
    return cpu, int(out.strip())


def ensure_duckdb():
    if os.path.isdir(os.path.join(BENCH, "node_modules", "@duckdb", "node-api")):
        return True
    p = subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", BENCH,
                        "@duckdb/node-api"], capture_output=True, text=True)
    if p.returncode != 0:
        print("npm install @duckdb/node-api failed: %s" % p.stderr.strip()[-300:])
    return p.returncode == 0


def main():
    generate()
    has_duck = ensure_duckdb()
    size = os.path.getsize(DATA)
    print("input: %d events, %.0f MB (%s), %d keys; %d rounds alternating the engines, best run counts"
          % (N, size / 1e6, os.path.relpath(DATA, ROOT), KEYS, ROUNDS))
    with open(DATA, "rb") as f:  # warm the page cache for every engine alike
        while f.read(1 << 24):
            pass
    runs = [("sluice", "tumble"), ("duckdb", "tumble"), ("sluice", "hop"), ("duckdb", "hop"),
            ("sluice-datagen", "tumble")]
    best, rows, errors = {}, {}, {}
    with tempfile.TemporaryDirectory() as d:
        for _ in range(ROUNDS):
            for eng, kind in runs:
                if (eng, kind) in errors or (eng == "duckdb" and not has_duck):
                    continue
                if eng == "duckdb":
                    cpu, n = duckdb(kind)
                else:
                    cpu, n = sluice((GEN if eng == "sluice-datagen" else SRC) + AGG % WINDOWS[kind], d)
                if cpu is None:
                    errors[(eng, kind)] = n
                    continue
                best[(eng, kind)] = min(best.get((eng, kind), cpu), cpu)
                rows[(eng, kind)] = n
    names = {"tumble": "TUMBLE 1 min", "hop": "HOP 10 s / 2 s"}
    print("%-34s %9s %16s %10s %12s" % ("run", "CPU s", "events / CPU-s", "vs DuckDB", "result rows"))
    res = {"bench": "window", "events": N, "keys": KEYS, "rounds": ROUNDS}
    for eng, kind in runs:
        label = "%s %s%s" % ("DuckDB" if eng == "duckdb" else "sluice", names[kind],
                             " (datagen)" if eng == "sluice-datagen" else " (NDJSON)")
        tag = "%s_%s" % (eng.replace("-", "_"), kind)
        if (eng, kind) not in best:
            why = errors.get((eng, kind), "DuckDB not installed")
            print("%-34s failed: %s" % (label, why))
            res[tag + "_error"] = why
            continue
        cpu = best[(eng, kind)]
        eps = N / cpu
        duck = best.get(("duckdb", kind))
        ratio = duck / cpu if duck and eng != "duckdb" else None
        print("%-34s %9.2f %16s %10s %12s" % (label, cpu, "{:,.0f}".format(eps),
                                             "%.2fx" % ratio if ratio else "", rows[(eng, kind)]))
        res[tag + "_cpu_s"] = round(cpu, 3)
        res[tag + "_events_per_cpu_s"] = round(eps)
        if ratio:
            res[tag + "_x_duckdb"] = round(ratio, 2)
        res[tag + "_rows"] = rows[(eng, kind)]
    for kind in WINDOWS:
        a, b = rows.get(("sluice", kind)), rows.get(("duckdb", kind))
        if a is not None and b is not None and a != b:
            print("WARNING: %s: sluice wrote %d rows, DuckDB %d" % (names[kind], a, b))
            res["rows_differ_" + kind] = True
    print(json.dumps(res))


main()
