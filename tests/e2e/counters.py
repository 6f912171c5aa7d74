#!/usr/bin/env python3
"""End-to-end counters on random input, at several batch sizes (driven by counters.sh).

Generates a JSON source t and a CSV source u with good records, blank lines, records the
decoder rejects, rows the WHERE drops (NULLs included) and rows whose projection fails (a bad
CAST, a division by zero). Computes here, independently of sluice, what each record must
become. Then runs two pipelines at every batch size and checks:
  - per source: records in the file = rows read + decode dead-letters (the summary's "rows
    read" counts decoded rows), and over the job
    rows read = rows written + filtered + expression dead-letters,
    so records = rows written + filtered + dead-lettered;
  - every count equals the one computed here; the dead-letter file has one line per
    dead-lettered record, with the right source, line and stage;
  - the sink holds exactly the expected rows: in file order for one source (p1), as a multiset
    for t UNION ALL u (p2: the sources interleave);
  - the output is the same at every batch size (byte for byte for p1, as sorted lines for p2).
Usage: counters.py SLUICE WORKDIR SEED BATCH...
"""
import json
import os
import random
import re
import subprocess
import sys

SLUICE, WORK, SEED = sys.argv[1], sys.argv[2], int(sys.argv[3])
SIZES = [int(x) for x in sys.argv[4:]]
rnd = random.Random(SEED)
fails = []


def fail(msg):
    fails.append(msg)


def trunc_div(a, b):  # Java/Flink integer division truncates toward zero
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def gen_row(i):
    def maybe(v, p=0.15):
        return None if rnd.random() < p else v

    code_kind = rnd.random()
    if code_kind < 0.1:
        code = "x%d" % rnd.randint(0, 99)  # CAST fails
    elif code_kind < 0.25:
        code = None
    else:
        code = str(rnd.randint(-10**6, 10**6))
    d = maybe(rnd.choice([0] + [rnd.randint(-50, 50) for _ in range(12)]))
    s = maybe("".join(rnd.choice("abcxyz") for _ in range(rnd.randint(0, 4))))
    return {"id": i, "a": maybe(rnd.randint(-1000, 1000)), "s": s, "code": code, "d": d}


def expect(row):
    """'filtered', ('error', None) or ('ok', output row) for one decoded row."""
    a, s = row["a"], row["s"]
    p1 = None if a is None else a > 0
    p2 = None if s is None else s.startswith("b")
    pred = True if (p1 is True or p2 is True) else (None if None in (p1, p2) else False)
    if pred is not True:
        return ("filtered", None)
    code, d = row["code"], row["d"]
    if code is not None and not re.fullmatch(r"-?\d+", code):
        return ("error", None)
    if d == 0:
        return ("error", None)
    return ("ok", {
        "id": row["id"],
        "x": None if a is None else a * 2 + 1,
        "su": None if s is None else s.upper(),
        "c": None if code is None else int(code),
        "q": None if d is None else trunc_div(1000, d),
        "tag": None if s is None else "%s-%d" % (s, row["id"]),
    })


def gen_source(name, n, fmt):
    """Writes the file; returns the expectation: records, decode-bad lines, rows by outcome."""
    lines, exp = [], {"records": 0, "decode": [], "filtered": 0, "error": [], "rows": []}
    for i in range(n):
        r = rnd.random()
        if r < 0.03:
            lines.append("")  # a blank line is no record
            continue
        exp["records"] += 1
        line_no = len(lines) + 1
        if r < 0.08:
            if fmt == "json":
                bad = rnd.choice(['{"id": %d, "a": 99999999999}' % i, '{"id": %d, "a": 1' % i,
                                  '{"id": %d, "a": "one"}' % i])
            else:
                bad = rnd.choice(["x%d,1,s,1,1" % i, "%d,1,s" % i, "%d,1,s,1,1,1" % i])
            lines.append(bad)
            exp["decode"].append(line_no)
            continue
        row = gen_row(i)
        if fmt == "json":
            lines.append(json.dumps(row))
        else:
            lines.append(",".join("NULL" if row[k] is None else str(row[k])
                                  for k in ("id", "a", "s", "code", "d")))
        kind, out = expect(row)
        if kind == "filtered":
            exp["filtered"] += 1
        elif kind == "error":
            exp["error"].append(line_no)
        else:
            exp["rows"].append(out)
    with open(os.path.join(WORK, name), "w") as f:
        f.write("\n".join(lines) + "\n")
    return exp


TABLES = """
CREATE TABLE t (id BIGINT, a INT, s STRING, code STRING, d INT)
WITH ('connector' = 'filesystem', 'path' = 't.jsonl', 'format' = 'json');
CREATE TABLE u (id BIGINT, a INT, s STRING, code STRING, d INT)
WITH ('connector' = 'filesystem', 'path' = 'u.csv', 'format' = 'csv', 'csv.null-literal' = 'NULL');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'o.jsonl', 'format' = 'json');
"""
SELECT = ("SELECT id, a * 2 + 1 AS x, UPPER(s) AS su, CAST(code AS INT) AS c, 1000 / d AS q, "
          "s || '-' || CAST(id AS STRING) AS tag FROM %s WHERE a > 0 OR s LIKE 'b%%'")
PIPELINES = {
    "p1": (["t"], TABLES + "INSERT INTO o " + SELECT % "t" + ";\n"),
    "p2": (["t", "u"], TABLES + "INSERT INTO o " + SELECT % "t" + "\nUNION ALL " + SELECT % "u" + ";\n"),
}


def run(name, sql, bs):
    with open(os.path.join(WORK, name + ".sql"), "w") as f:
        f.write(sql)
    for fn in ("o.jsonl", "sluice-dlq.jsonl"):
        if os.path.exists(os.path.join(WORK, fn)):
            os.remove(os.path.join(WORK, fn))
    p = subprocess.run([SLUICE, "run", name + ".sql", "--set", "sluice.batch-size=%d" % bs],
                       cwd=WORK, capture_output=True, text=True)
    tag = "%s@%d" % (name, bs)
    if p.returncode != 0:
        fail("%s: exit %d: %s" % (tag, p.returncode, p.stderr))
        return None
    read, dead, written = {}, {}, None
    for line in p.stderr.splitlines():
        m = re.match(r"\s*source (\S+)\s+(\d+) rows read(?:, (\d+) dead-lettered)?", line)
        if m:
            read[m.group(1)] = int(m.group(2))
            dead[m.group(1)] = int(m.group(3) or 0)
        m = re.match(r"\s*sink\s+o\s+(\d+) rows written", line)
        if m:
            written = int(m.group(1))
    out = open(os.path.join(WORK, "o.jsonl")).read()
    dlq_path = os.path.join(WORK, "sluice-dlq.jsonl")
    dlq = [json.loads(x) for x in open(dlq_path)] if os.path.exists(dlq_path) else []
    return {"tag": tag, "read": read, "dead": dead, "written": written, "out": out, "dlq": dlq,
            "summary": p.stderr}


def check(name, sources, exp, r):
    tag = r["tag"]
    if r["written"] is None or sorted(r["read"]) != sorted(sources):
        fail("%s: cannot parse the summary:\n%s" % (tag, r["summary"]))
        return
    expr_dlq = {s: 0 for s in sources}
    for d in r["dlq"]:
        if d.get("stage") == "expression" and d.get("source") in expr_dlq:
            expr_dlq[d["source"]] += 1
    total_read = sum(r["read"].values())
    filtered = sum(exp[s]["filtered"] for s in sources)
    # the identities, on sluice's own numbers (filtered is the only count sluice does not print)
    if total_read != r["written"] + filtered + sum(expr_dlq.values()):
        fail("%s: rows read %d != written %d + filtered %d + expression dead-letters %d" %
             (tag, total_read, r["written"], filtered, sum(expr_dlq.values())))
    records = sum(exp[s]["records"] for s in sources)
    if records != r["written"] + filtered + sum(r["dead"].values()):
        fail("%s: records %d != written %d + filtered %d + dead-lettered %d" %
             (tag, records, r["written"], filtered, sum(r["dead"].values())))
    if len(r["dlq"]) != sum(r["dead"].values()):
        fail("%s: the dead-letter file has %d lines, the summary says %d" %
             (tag, len(r["dlq"]), sum(r["dead"].values())))
    # and every number against the one computed here
    for s in sources:
        want_read = exp[s]["records"] - len(exp[s]["decode"])
        want_dead = len(exp[s]["decode"]) + len(exp[s]["error"])
        if r["read"][s] != want_read or r["dead"][s] != want_dead:
            fail("%s: source %s read %d, dead-lettered %d; expected %d and %d" %
                 (tag, s, r["read"][s], r["dead"][s], want_read, want_dead))
        got = sorted((d["line"], d["stage"]) for d in r["dlq"] if d["source"] == s)
        want = sorted([(n, "decode") for n in exp[s]["decode"]] +
                      [(n, "expression") for n in exp[s]["error"]])
        if got != want:
            fail("%s: dead letters of %s (line, stage): first differences %s" %
                 (tag, s, sorted(set(got) ^ set(want))[:5]))
    got_rows = [json.loads(x) for x in r["out"].splitlines()]
    want_rows = [row for s in sources for row in exp[s]["rows"]]
    key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
    if len(sources) == 1:
        if got_rows != want_rows:
            bad = next((i for i, (g, w) in enumerate(zip(got_rows, want_rows)) if g != w), None)
            fail("%s: output rows differ (%d rows, expected %d; first difference at row %s)" %
                 (tag, len(got_rows), len(want_rows), bad))
    elif sorted(map(key, got_rows)) != sorted(map(key, want_rows)):
        fail("%s: output rows differ as a multiset (%d rows, expected %d)" %
             (tag, len(got_rows), len(want_rows)))


def main():
    os.makedirs(WORK, exist_ok=True)
    exp = {"t": gen_source("t.jsonl", rnd.randint(800, 1600), "json"),
           "u": gen_source("u.csv", rnd.randint(800, 1600), "csv")}
    for name, (sources, sql) in PIPELINES.items():
        outs = {}
        for bs in SIZES:
            r = run(name, sql, bs)
            if r:
                check(name, sources, exp, r)
                outs[bs] = r["out"] if len(sources) == 1 else sorted(r["out"].splitlines())
        base = outs.get(SIZES[0])
        for bs, o in outs.items():
            if o != base:
                fail("%s: the output at batch size %d differs from the one at %d" %
                     (name, bs, SIZES[0]))
    if fails:
        print("seed %d (replay: SEED=%d bash tests/e2e/counters.sh)" % (SEED, SEED))
        print("\n".join(fails[:20]))
        sys.exit(1)
    print("seed %d: ok" % SEED)


main()
