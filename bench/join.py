#!/usr/bin/env python3
"""bench/join.py - joins per CPU-second: sluice next to DuckDB's hash join on the same files.

Data (JSON lines, generated once into build/bench/ by bench/join_gen.c, reused when present):
  - lookup: EVENTS events {id, customer_id, amount DECIMAL(10,2), ts} against a dimension of
    CUSTOMERS customers {id (PRIMARY KEY), name, country, tier}; about 5% of the events name a
    customer that does not exist (the INNER join drops them);
  - interval: two streams of EVENTS / 2 rows each, impressions {imp_id, ad_id, ts} and clicks
    {click_id, imp_id, ts}, about one per ms, 10% of the rows up to 2 s early (out of order);
    a click follows its impression by 0 to 11 minutes (about 91% within 10 minutes).
Runs, alternating the engines (A B A B ..., --rounds rounds, each run's best counts):
  - sluice: `orders AS o JOIN customers FOR SYSTEM_TIME AS OF o.proc_time AS c ON
    o.customer_id = c.id` into a blackhole, and into a JSON-lines file (the sink's share);
  - DuckDB (npm @duckdb/node-api in bench/node_modules): the same join over read_ndjson of the
    same files, the joined rows materialised into a temporary table, or COPYed into a JSON-lines
    file (bench/join_duckdb.mjs);
  - sluice: `imp AS i JOIN clk AS c ON c.imp_id = i.imp_id AND c.ts BETWEEN i.ts AND i.ts +
    INTERVAL '10' MINUTE`, WATERMARK ts - 5 s on both, into a blackhole; DuckDB: the same join
    as a batch (hash join on imp_id with the range as a filter) into a temporary table.
  - sluice reading the events alone (the same columns, no join) into a blackhole: the floor
    the lookup join stands on.
Figures: probe events per CPU-second (lookup; the dimension is loaded too, but not counted),
input events of both sides per CPU-second (interval); CPU time is user + system of the process
and its threads, from wait4(), as is peak RSS (ru_maxrss); sluice's peak state bytes per
operator from its run summary. The joined row counts must agree. Prints a table and, last,
the figures as one JSON line.
Usage: python3 bench/join.py [path/to/sluice] [--events N] [--customers N] [--rounds R]
                             [--only lookup|interval] [--no-file]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# per-core figures: sluice on one worker unless the caller says otherwise
os.environ.setdefault("SLUICE_PARALLELISM", "1")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
DATA_DIR = os.path.join(ROOT, "build", "bench")
GEN = os.path.join(DATA_DIR, "join_gen")

ap = argparse.ArgumentParser(description="join benchmark: sluice next to DuckDB")
ap.add_argument("sluice", nargs="?", default=os.path.join(ROOT, "build/sluice"))
ap.add_argument("--events", type=int, default=int(os.environ.get("SLUICE_BENCH_EVENTS", "20000000")),
                help="lookup-join events; the interval join gets N/2 per stream (default 20,000,000)")
ap.add_argument("--customers", type=int, default=None,
                help="dimension rows (default N/20, at most 1,000,000)")
ap.add_argument("--rounds", type=int, default=int(os.environ.get("SLUICE_BENCH_ROUNDS", "2")))
ap.add_argument("--only", choices=["lookup", "interval"], default=None)
ap.add_argument("--no-file", action="store_true", help="skip the runs writing a file")
args = ap.parse_args()
SLUICE = os.path.abspath(args.sluice)
N = args.events
C = args.customers or max(1000, min(1000000, N // 20))
M = N // 2
FILES = {
    "customers": os.path.join(DATA_DIR, "join-customers-%d.jsonl" % C),
    "events": os.path.join(DATA_DIR, "join-events-%d-%d.jsonl" % (N, C)),
    "impressions": os.path.join(DATA_DIR, "join-impressions-%d.jsonl" % M),
    "clicks": os.path.join(DATA_DIR, "join-clicks-%d.jsonl" % M),
}


def generate(kinds):
    os.makedirs(DATA_DIR, exist_ok=True)
    src = os.path.join(BENCH, "join_gen.c")
    if not os.path.exists(GEN) or os.path.getmtime(GEN) < os.path.getmtime(src):
        subprocess.run(["cc", "-O2", "-o", GEN, src], check=True)
    for kind in kinds:
        path = FILES[kind]
        if os.path.exists(path):
            continue
        n = {"customers": [C], "events": [N, C], "impressions": [M], "clicks": [M]}[kind]
        subprocess.run([GEN, kind] + [str(x) for x in n] + [path + ".tmp"], check=True)
        os.rename(path + ".tmp", path)


LOOKUP_SRC = """CREATE TABLE orders (id BIGINT, customer_id BIGINT, amount DECIMAL(10, 2),
  ts TIMESTAMP(3), proc_time AS PROCTIME())
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'json');
CREATE TABLE customers (id BIGINT, name STRING, country STRING, tier STRING,
  PRIMARY KEY (id) NOT ENFORCED)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'json');
""" % (FILES["events"], FILES["customers"])
LOOKUP_Q = """INSERT INTO sink SELECT o.id, o.customer_id, o.amount, o.ts, c.name, c.country, c.tier
FROM orders AS o JOIN customers FOR SYSTEM_TIME AS OF o.proc_time AS c ON o.customer_id = c.id;
"""
INTERVAL_SRC = """CREATE TABLE imp (imp_id BIGINT, ad_id BIGINT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'json');
CREATE TABLE clk (click_id BIGINT, imp_id BIGINT, ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'json');
""" % (FILES["impressions"], FILES["clicks"])
INTERVAL_Q = """INSERT INTO sink SELECT i.imp_id, i.ad_id, i.ts AS imp_ts, c.click_id, c.ts AS click_ts
FROM imp AS i JOIN clk AS c
  ON c.imp_id = i.imp_id AND c.ts BETWEEN i.ts AND i.ts + INTERVAL '10' MINUTE;
"""
SCAN_Q = """INSERT INTO sink SELECT o.id, o.customer_id, o.amount, o.ts FROM orders AS o;
"""
SQL = {"lookup": (LOOKUP_SRC, LOOKUP_Q), "interval": (INTERVAL_SRC, INTERVAL_Q),
       "scan": (LOOKUP_SRC, SCAN_Q)}
BLACKHOLE = "CREATE TABLE sink WITH ('connector' = 'blackhole');\n"
FILE_SINK = "CREATE TABLE sink WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'json');\n"


def run(cmd, cwd=None):
    """(CPU seconds, peak RSS in KB, stdout, stderr, exit status) of a child process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        out.seek(0)
        err.seek(0)
        return (ru.ru_utime + ru.ru_stime, ru.ru_maxrss, out.read().decode(), err.read().decode(),
                os.waitstatus_to_exitcode(status))


UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


def sluice(kind, to_file, tmp):
    out = os.path.join(tmp, "sluice-out.jsonl")
    text = SQL[kind][0] + (FILE_SINK % out if to_file else BLACKHOLE) + SQL[kind][1]
    path = os.path.join(tmp, "join.sql")
    with open(path, "w") as f:
        f.write(text)
    cpu, rss, _, err, rc = run([SLUICE, "run", path])
    if os.path.exists(out):
        os.unlink(out)
    if rc != 0:
        why = err.strip().splitlines()[0] if err.strip() else "exit %d" % rc
        return {"error": why.replace(path, "join.sql")}
    m = re.search(r"sink\s+sink\s+(\d+) rows", err)
    # "  state  LookupJoin #3     keeps 81.2 MiB at peak, 0 B at end; 1000000 rows at peak, ..."
    state, state_rows = {}, {}
    for name, num, unit, rows in re.findall(
            r"state\s+(\S+ #\d+)\s+keeps ([\d.]+) (\w+) at peak[^;\n]*(?:; (\d+) rows at peak)?", err):
        state[name] = int(float(num) * UNITS.get(unit, 1))
        if rows:
            state_rows[name] = int(rows)
    late = sum(int(x) for x in re.findall(r"(\d+) late:", err))
    return {"cpu": cpu, "rss_kb": rss, "rows": int(m.group(1)) if m else None, "state": state,
            "state_rows": state_rows, "late": late, "summary": err.strip()}


def duckdb(kind, to_file, tmp):
    out = os.path.join(tmp, "duckdb-out.jsonl")
    files = [FILES["events"], FILES["customers"]] if kind == "lookup" else \
        [FILES["impressions"], FILES["clicks"]]
    cpu, rss, stdout, err, rc = run(["node", os.path.join(BENCH, "join_duckdb.mjs"), kind] + files +
                                    ([out] if to_file else []), cwd=BENCH)
    if os.path.exists(out):
        os.unlink(out)
    if rc != 0:
        return {"error": err.strip().splitlines()[-1] if err.strip() else "exit %d" % rc}
    return {"cpu": cpu, "rss_kb": rss, "rows": int(stdout.strip())}


def has_duckdb():
    return os.path.isdir(os.path.join(BENCH, "node_modules", "@duckdb", "node-api"))


def duckdb_version():
    try:
        with open(os.path.join(BENCH, "node_modules", "@duckdb", "node-bindings", "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def main():
    kinds = [args.only] if args.only else ["lookup", "interval"]
    need = (["customers", "events"] if "lookup" in kinds else []) + \
        (["impressions", "clicks"] if "interval" in kinds else [])
    generate(need)
    duck = has_duckdb()
    if not duck:
        print("DuckDB not installed: npm install --prefix bench @duckdb/node-api")
    size = sum(os.path.getsize(FILES[k]) for k in need)
    print("input: %s; %.0f MB in build/bench/; %d rounds alternating the engines, best run counts"
          % ("; ".join(s for s in [
              "lookup %d events x %d customers" % (N, C) if "lookup" in kinds else "",
              "interval 2 x %d events" % M if "interval" in kinds else ""] if s),
             size / 1e6, args.rounds))
    for k in need:  # warm the page cache for every engine alike
        with open(FILES[k], "rb") as f:
            while f.read(1 << 24):
                pass
    runs = []
    for kind in kinds:
        for to_file in ([False] if args.no_file or kind == "interval" else [False, True]):
            runs += [("sluice", kind, to_file), ("duckdb", kind, to_file)]
        if kind == "lookup":  # what reading the events costs sluice without the join
            runs.append(("sluice", "scan", False))
    best, last = {}, {}
    tmp = tempfile.mkdtemp(prefix="join-", dir=DATA_DIR)
    try:
        for _ in range(args.rounds):
            for r in runs:
                eng = r[0]
                if eng == "duckdb" and not duck or "error" in last.get(r, {}):
                    continue
                res = (sluice if eng == "sluice" else duckdb)(r[1], r[2], tmp)
                last[r] = res
                if "error" not in res and (r not in best or res["cpu"] < best[r]["cpu"]):
                    best[r] = res
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    label = {("lookup", False): "lookup -> blackhole", ("lookup", True): "lookup -> file",
             ("interval", False): "interval -> blackhole",
             ("scan", False): "events -> blackhole, no join"}
    out = {"bench": "join", "events": N, "customers": C, "interval_events_per_side": M,
           "rounds": args.rounds, "duckdb": duckdb_version()}
    print("%-38s %8s %16s %9s %10s %12s %s" % ("run", "CPU s", "events / CPU-s", "vs DuckDB",
                                               "peak RSS", "joined rows", "peak state"))
    for eng, kind, to_file in runs:
        name = "%s %s" % ("sluice" if eng == "sluice" else "DuckDB", label[(kind, to_file)])
        if eng == "duckdb" and to_file is False:
            name = "DuckDB %s" % label[(kind, to_file)].replace("blackhole", "temp table")
        tag = "%s_%s%s" % (eng, kind, "_file" if to_file else "")
        r = best.get((eng, kind, to_file))
        if r is None:
            why = last.get((eng, kind, to_file), {}).get("error", "not run")
            print("%-38s failed: %s" % (name, why))
            out[tag + "_error"] = why
            continue
        events = 2 * M if kind == "interval" else N
        eps = events / r["cpu"]
        d = best.get(("duckdb", kind, to_file))
        ratio = d["cpu"] / r["cpu"] if d and eng == "sluice" else None
        state = sum(r.get("state", {}).values())
        print("%-38s %8.2f %16s %9s %7.0f MB %12s %s" % (
            name, r["cpu"], "{:,.0f}".format(eps), "%.2fx" % ratio if ratio else "",
            r["rss_kb"] / 1024, r["rows"],
            ", ".join("%s %.1f MiB%s" % (k, v / 2**20, ", %d rows" % r["state_rows"][k]
                                         if k in r["state_rows"] else "")
                      for k, v in r.get("state", {}).items())))
        out[tag + "_cpu_s"] = round(r["cpu"], 3)
        out[tag + "_events_per_cpu_s"] = round(eps)
        out[tag + "_peak_rss_kb"] = r["rss_kb"]
        out[tag + "_rows"] = r["rows"]
        if ratio:
            out[tag + "_x_duckdb"] = round(ratio, 2)
        if eng == "sluice":
            out[tag + "_peak_state_bytes"] = state
            out[tag + "_peak_state_rows"] = sum(r["state_rows"].values())
            if r["late"]:
                out[tag + "_late_rows"] = r["late"]
                print("  (%d late rows in the summary)" % r["late"])
    for kind, to_file in label:
        if kind == "scan":
            continue
        a, b = best.get(("sluice", kind, to_file)), best.get(("duckdb", kind, to_file))
        if a and b and a["rows"] != b["rows"]:
            print("WARNING: %s: sluice joined %s rows, DuckDB %s" % (label[(kind, to_file)],
                                                                    a["rows"], b["rows"]))
            out["rows_differ_%s%s" % (kind, "_file" if to_file else "")] = True
    for kind in kinds:
        r = best.get(("sluice", kind, False))
        if r and os.environ.get("SLUICE_BENCH_SUMMARY"):
            print("sluice run summary (%s):\n%s" % (kind, r["summary"]))
    print(json.dumps(out))


main()
