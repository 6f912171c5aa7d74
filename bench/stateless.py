#!/usr/bin/env python3
"""bench/stateless.py - the stateless hot path over NDJSON, records per CPU-second:
  - filter_project: bench/filter_project.sql (filter + project 4 of 8 columns -> blackhole),
  - to_csv / to_json: every column of the same file into a CSV / JSON-lines file,
  - wide: a record of 50 columns (20 BIGINT, 10 DOUBLE, 15 STRING, 5 BOOLEAN), every column
    used: into a blackhole, and into a CSV file next to DuckDB's COPY of the same file to CSV.
The input is bench/gen.awk's file (SLUICE_BENCH_ROWS records, default 2,000,000) and a
generated wide file (SLUICE_BENCH_WIDE rows, default 500,000), both under build/bench/.
With a baseline binary (--base PATH) both binaries run alternately (A B A B,
SLUICE_BENCH_ROUNDS rounds, default 3; each run's best counts) and their output files must be
identical. DuckDB runs through its Node.js client (bench/node_modules/@duckdb/node-api) when
present, alternating with sluice. CPU time is user + system of each process and its threads
(wait4). Prints a table and, last, the figures as one JSON line.
Usage: python3 bench/stateless.py [path/to/sluice] [--base PATH]
"""
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile

# per-core figures: sluice on one worker unless the caller says otherwise
os.environ.setdefault("SLUICE_PARALLELISM", "1")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(os.environ.get("SLUICE_BENCH_ROWS", "2000000"))
NW = int(os.environ.get("SLUICE_BENCH_WIDE", "500000"))
ROUNDS = int(os.environ.get("SLUICE_BENCH_ROUNDS", "3"))
D = os.path.join(ROOT, "build", "bench")

EVENTS = """CREATE TABLE events (
  id BIGINT, user_id BIGINT, status STRING, amount DECIMAL(10, 2), currency STRING,
  ts TIMESTAMP(3), url STRING, pad STRING
) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'json');
"""
WIDE_COLS = ([("i%02d" % i, "BIGINT") for i in range(20)] +
             [("d%02d" % i, "DOUBLE") for i in range(10)] +
             [("s%02d" % i, "STRING") for i in range(15)] +
             [("b%02d" % i, "BOOLEAN") for i in range(5)])
WIDE = ("CREATE TABLE w (%s) WITH ('connector' = 'filesystem', 'path' = '%%s', "
        "'format' = 'json');\n" % ", ".join("%s %s" % c for c in WIDE_COLS))
FILE_SINK = ("CREATE TABLE sink WITH ('connector' = 'filesystem', 'path' = '%s', "
             "'format' = '%s');\n")
BLACKHOLE = "CREATE TABLE sink WITH ('connector' = 'blackhole');\n"


def gen_wide(path):
    rnd = random.Random(50)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    with open(path + ".tmp", "w") as f:
        for r in range(NW):
            parts = []
            for name, t in WIDE_COLS:
                if t == "BIGINT":
                    v = str(rnd.randrange(-10**9, 10**12))
                elif t == "DOUBLE":
                    v = "%d.%02d" % (rnd.randrange(0, 100000), rnd.randrange(100))
                elif t == "STRING":
                    v = '"%s-%d"' % (rnd.choice(words), rnd.randrange(100000))
                else:
                    v = "true" if rnd.randrange(2) else "false"
                parts.append('"%s":%s' % (name, v))
            f.write("{" + ",".join(parts) + "}\n")
    os.rename(path + ".tmp", path)


def run(cmd):
    """CPU seconds of the process and its threads; fails on a non-zero exit."""
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            sys.exit("failed: %s\n%s" % (" ".join(cmd), err.read().decode()[-2000:]))
        return ru.ru_utime + ru.ru_stime


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def main():
    args = sys.argv[1:]
    base = os.environ.get("SLUICE_BENCH_BASE")
    if "--base" in args:
        i = args.index("--base")
        base = args[i + 1]
        del args[i:i + 2]
    binary = args[0] if args else os.path.join(ROOT, "build", "sluice")
    os.makedirs(D, exist_ok=True)
    data = os.path.join(D, "events-%d.jsonl" % N)
    if not os.path.exists(data):
        with open(data + ".tmp", "w") as f:
            subprocess.run(["awk", "-v", "n=%d" % N, "-f", os.path.join(ROOT, "bench", "gen.awk")],
                           stdout=f, check=True)
        os.rename(data + ".tmp", data)
    wide = os.path.join(D, "wide-%d.jsonl" % NW)
    if not os.path.exists(wide):
        gen_wide(wide)
    tmp = tempfile.mkdtemp(prefix="sluice-stateless-")
    with open(os.path.join(ROOT, "bench", "filter_project.sql")) as f:
        fp = f.read().replace("${BENCH_DATA}", data).replace("${BENCH_SINK:-blackhole}", "blackhole")
    cases = {  # name: (records, sql with %(out)s for the output file, output file or None)
        "filter_project": (N, fp, None),
        "to_csv": (N, EVENTS % data + FILE_SINK % ("%(out)s", "csv") +
                   "INSERT INTO sink SELECT * FROM events;\n", "csv"),
        "to_json": (N, EVENTS % data + FILE_SINK % ("%(out)s", "json") +
                    "INSERT INTO sink SELECT * FROM events;\n", "json"),
        "wide_blackhole": (NW, WIDE % wide + BLACKHOLE + "INSERT INTO sink SELECT * FROM w;\n",
                           None),
        "wide_csv": (NW, WIDE % wide + FILE_SINK % ("%(out)s", "csv") +
                     "INSERT INTO sink SELECT * FROM w;\n", "csv"),
    }
    duck = os.path.join(ROOT, "bench", "node_modules", "@duckdb", "node-api")
    duck_js = None
    if os.path.isdir(duck):
        cols = ", ".join("%s: '%s'" % (n, "VARCHAR" if t == "STRING" else t) for n, t in WIDE_COLS)
        ev = ("id: 'BIGINT', user_id: 'BIGINT', status: 'VARCHAR', amount: 'DECIMAL(10,2)', "
              "currency: 'VARCHAR', ts: 'TIMESTAMP', url: 'VARCHAR', pad: 'VARCHAR'")
        duck_js = {
            "to_csv": (data, ev),
            "wide_csv": (wide, cols),
        }
    bins = [("sluice", binary)] + ([("base", base)] if base else [])
    best = {}
    for _ in range(ROUNDS):
        for case, (n, sql, fmt) in cases.items():
            outs = {}
            for who, b in bins:
                out = os.path.join(tmp, "%s-%s.%s" % (case, who, fmt or "x"))
                path = os.path.join(tmp, "%s-%s.sql" % (case, who))
                with open(path, "w") as f:
                    f.write(sql % {"out": out} if fmt else sql)
                if os.path.exists(out):
                    os.unlink(out)
                s = run([b, "run", path, "-q"])
                key = (case, who)
                best[key] = min(best.get(key, s), s)
                if fmt:
                    outs[who] = sha256(out)
                    os.unlink(out)
            if len(set(outs.values())) > 1:
                sys.exit("%s: the outputs of sluice and the baseline differ" % case)
            if duck_js and case in duck_js:
                src, cols = duck_js[case]
                out = os.path.join(tmp, "%s-duckdb.csv" % case)
                s = run(["node", os.path.join(ROOT, "bench", "copy_duckdb.mjs"), src, cols, out])
                best[(case, "duckdb")] = min(best.get((case, "duckdb"), s), s)
                os.unlink(out)
    print("records: %d (events, %d MB), %d (wide, %d MB); best of %d rounds, A B alternating"
          % (N, os.path.getsize(data) // 10**6, NW, os.path.getsize(wide) // 10**6, ROUNDS))
    print("%-16s %-8s %8s %16s %10s" % ("case", "run", "CPU s", "records/CPU-s", "vs base"))
    fig = {"bench": "stateless"}
    for case, (n, _, _) in cases.items():
        for who in ["sluice", "base", "duckdb"]:
            if (case, who) not in best:
                continue
            s = best[(case, who)]
            rel = ""
            if who == "sluice" and (case, "base") in best:
                rel = "%.2fx" % (best[(case, "base")] / s)
            if who == "sluice" and (case, "duckdb") in best:
                rel += " (%.2fx DuckDB)" % (best[(case, "duckdb")] / s)
            print("%-16s %-8s %8.2f %16.0f %10s" % (case, who, s, n / s, rel))
            fig["%s_%s_rec_per_cpu_s" % (case, who)] = round(n / s)
    print(json.dumps(fig))


if __name__ == "__main__":
    main()
