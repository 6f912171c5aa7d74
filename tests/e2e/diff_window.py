#!/usr/bin/env python3
"""Differential test of sluice's event-time operators against SQLite (driven by diff_window.sh).

Each case is a random event stream written as one NDJSON file (columns id, k, v, d, s, ts) and
loaded into an in-memory SQLite table (ts as epoch milliseconds `tsm`, d as integer cents `dc`).
Random queries of every kind run through sluice (one job per stream, all its queries as a
statement set; batch-mode and changelog queries in jobs of their own) and through SQLite, and
the results are compared as multisets of rows: DECIMAL exactly (value and scale, as text),
DOUBLE within a relative 1e-7, timestamps as their text.

The stream: keys from a small or a large key space (some NULL), v INT, d DECIMAL(10,2), s a
short STRING (non-ASCII too, no commas so that print lines split), ts TIMESTAMP(3) unique per
row. Rows arrive out of order within the watermark bound B (`WATERMARK FOR ts AS ts -
INTERVAL 'B' SECOND`): an on-time row is always later than max(ts seen so far) - B, so it is
never late whatever the batching. A few rows are DEFINITELY late: row i is late only if i >=
1100 and its latest window (every window size and session gap used, plus B, plus the time span
of the 1100 preceding rows) ended before the largest timestamp seen 1100 rows earlier. A batch
holds at most 1024 rows and the watermark follows every batch, so by the time row i arrives
the operators have seen a watermark past every window it belongs to. Late rows have keys of
their own, so that a session cannot absorb them.

Windows in SQLite are integer division of the epoch milliseconds. Operators that drop late
rows (window aggregates, legacy GROUP BY windows, window top-N/dedup, OVER) are compared with
the rows minus the late ones, and every late row must appear in the dead-letter file (stage
"late", its line) exactly once per such query in the job. Non-windowed operators (GROUP BY,
unbounded top-N/dedup, a window TVF on its own) see every row; the SESSION TVF on its own holds
rows until their session closes, so it drops late rows like a window aggregation (its oracle is
Python: sessions per partition, each row joined with its session's bounds).

Flink semantics the oracle encodes: a window [start, end) holds start <= ts < end, window_time
is end - 1; a HOP window start is a multiple of the slide (plus offset); a CUMULATE window
starts at a multiple of the size; two rows of a key are in one SESSION when their times differ
by at most the gap (Flink's TimeWindow.intersects is inclusive); SUM(DECIMAL(10,2)) is
DECIMAL(38,2); AVG(DECIMAL(10,2)) is DECIMAL(38,6) rounded half up; SUM/AVG of INT are INT
(AVG truncates toward zero); ROW_NUMBER ties go by arrival (file) order; ORDER BY ts ASC with
rn = 1 keeps the row with the smallest ts, DESC the largest.

Query kinds are listed in KINDS. A kind that sluice rejects with "not supported" is skipped
with a notice (SLUICE_DIFF_STRICT=1 makes that a failure); SLUICE_DIFF_KINDS=a,b runs only
those kinds. `--oracle-only` checks the SQLite oracle against a naive Python computation and
does not run sluice. The streams and queries are built in diff_window_gen.py.
Usage: diff_window.py SLUICE WORKDIR SEED NCASES [--oracle-only]
"""
import collections
import json
import os
import subprocess
import sys
from decimal import Decimal

SLUICE, WORK, SEED, NCASES = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ORACLE_ONLY = "--oracle-only" in sys.argv[5:]
STRICT = os.environ.get("SLUICE_DIFF_STRICT", "1") == "1"
ONLY_KINDS = [x for x in os.environ.get("SLUICE_DIFF_KINDS", "").split(",") if x]
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from diff_window_gen import *  # noqa: E402,F401,F403 (the streams and queries)
import diff_window_gen  # noqa: E402

diff_window_gen.rnd.seed(SEED)
rnd = diff_window_gen.rnd


# ---------------------------------------------------------------- running

def norm(v, ty):
    """A value from sluice (JSON or print text) in the comparison form of its column type."""
    if v is None:
        return None
    if ty == "int":
        return int(v)
    if ty == "dbl":
        return float(v)
    if ty == "dec":
        return str(v)
    return v


def oracle_rows(db, q):
    out = []
    for r in db.execute(q.sq):
        row, i = [], 0
        for ty, n, conv in q.cols:
            vals = r[i:i + n]
            i += n
            v = conv(*vals) if conv else vals[0]
            if ty == "dbl" and v is not None:
                v = float(v)
            row.append(v)
        out.append(tuple(row))
    return out


def close_enough(a, b, types):
    for x, y, (ty, _, _) in zip(a, b, types):
        if x is None or y is None:
            if x is not y:
                return False
        elif ty == "dbl":
            if abs(x - y) > 1e-7 * max(1.0, abs(x), abs(y)):
                return False
        elif x != y:
            return False
    return True


def compare(got, want, q):
    """'' if the multisets agree (doubles within the tolerance), else a description."""
    types = q.cols
    if getattr(q, "ties", False):  # window top-N of an aggregate: keys of equal counts may swap
        def proj(rows):
            return [(r[0], r[1], r[5], r[3]) for r in rows]
        got, want = proj(got), proj(want)
        types = [q.cols[0], q.cols[1], q.cols[5], q.cols[3]]
    has_dbl = any(t[0] == "dbl" for t in types)
    if not has_dbl:
        g, w = collections.Counter(got), collections.Counter(want)
        if g == w:
            return ""
        return "%d rows only in sluice, %d only in SQLite\n  only in sluice: %s\n  only in SQLite: %s" % (
            sum((g - w).values()), sum((w - g).values()), list((g - w).elements())[:4],
            list((w - g).elements())[:4])
    key = lambda r: tuple("" if x is None else (round(x, 3) if isinstance(x, float) else str(x)) for x in r)
    gs, ws = sorted(got, key=key), sorted(want, key=key)
    if len(gs) != len(ws):
        return "%d rows from sluice, %d from SQLite" % (len(gs), len(ws))
    for a, b in zip(gs, ws):
        if not close_enough(a, b, types):
            return "row differs:\n  sluice: %s\n  SQLite: %s" % (a, b)
    return ""


def split_print(text):
    """The values of a print line '+I[a, b]' (strings have no comma; NULL is NULL)."""
    kind, body = text[:2], text[3:-1]
    vals = [None if x == "NULL" else x for x in body.split(", ")] if body != "" else []
    return kind, vals


def source_ddl(bound_s, dlq=True):
    return ("CREATE TABLE t (id BIGINT, k STRING, v INT, d DECIMAL(10, 2), s STRING, ts TIMESTAMP(3), "
            "WATERMARK FOR ts AS ts - INTERVAL '%d' SECOND) WITH ('connector' = 'filesystem', "
            "'path' = 'in.jsonl', 'format' = 'json'%s);" % (bound_s, ", 'dlq.path' = 'dlq.jsonl'" if dlq else ""))


def run_job(qs, stream, bs, batch_mode):
    """Runs queries [(n, Query)] (append or batch mode) as one job: ({n: rows}, dlq lines) or
    (None, stderr)."""
    sql = []
    if batch_mode:
        sql.append("SET 'execution.runtime-mode' = 'batch';")
    sql.append(source_ddl(stream.bound_s))
    for n, q in qs:
        sql.append("CREATE TABLE o%d WITH ('connector' = 'filesystem', 'path' = 'o%d.jsonl', "
                   "'format' = 'json');" % (n, n))
    if len(qs) > 1:
        sql.append("EXECUTE STATEMENT SET BEGIN")
    for n, q in qs:
        sql.append("INSERT INTO o%d %s;" % (n, q.fl))
    if len(qs) > 1:
        sql.append("END;")
    p = sluice(sql, bs)
    if p.returncode != 0:
        return None, p.stderr
    out = {}
    for n, q in qs:
        rows = []
        with open(os.path.join(WORK, "o%d.jsonl" % n)) as f:
            for line in f:
                o = json.loads(line, parse_float=Decimal, object_pairs_hook=list)
                if len(o) != len(q.cols):
                    return None, "o%d: %d columns, expected %d: %s" % (n, len(o), len(q.cols), line)
                rows.append(tuple(norm(str(v) if isinstance(v, Decimal) else v, t[0])
                                  for (_, v), t in zip(o, q.cols)))
        out[n] = rows
    return out, read_dlq()


def run_changelog(n, q, stream, bs):
    """A changelog query into print: the materialised result of its changes."""
    sql = [source_ddl(stream.bound_s), "CREATE TABLE o%d WITH ('connector' = 'print');" % n,
           "INSERT INTO o%d %s;" % (n, q.fl)]
    p = sluice(sql, bs)
    if p.returncode != 0:
        return None, p.stderr
    table = collections.Counter()
    for line in p.stdout.splitlines():
        kind, vals = split_print(line)
        if len(vals) != len(q.cols):
            return None, "print line with %d values, expected %d: %s" % (len(vals), len(q.cols), line)
        row = tuple(norm(v, t[0]) for v, t in zip(vals, q.cols))
        if kind in ("+I", "+U"):
            table[row] += 1
        elif kind in ("-U", "-D"):
            if table[row] <= 0:
                return None, "retraction of a row that is not there: %s" % line
            table[row] -= 1
        else:
            return None, "unknown row kind: %s" % line
    return {n: list(table.elements())}, read_dlq()


def read_dlq():
    path = os.path.join(WORK, "dlq.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(x) for x in f]


def sluice(sql, bs):
    with open(os.path.join(WORK, "p.sql"), "w") as f:
        f.write("\n".join(sql) + "\n")
    for name in os.listdir(WORK):
        if name.startswith("o") and name.endswith(".jsonl") or name == "dlq.jsonl":
            os.remove(os.path.join(WORK, name))
    args = [SLUICE, "run", "p.sql", "-q"] + (["--set", "sluice.batch-size=%d" % bs] if bs else [])
    return subprocess.run(args, cwd=WORK, capture_output=True, text=True, timeout=120)


# The simplest query of each kind: a kind whose probe sluice rejects as "not supported" (or
# cannot parse yet) is skipped (with a notice) before any random query of it runs.
TV = "TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '5' SECOND))"
PROBES = {
    "tumble": "SELECT window_start, COUNT(*) AS c FROM %s GROUP BY window_start, window_end" % TV,
    "hop": "SELECT window_start, COUNT(*) AS c FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '1' SECOND, "
           "INTERVAL '2' SECOND)) GROUP BY window_start, window_end",
    "cumulate": "SELECT window_start, COUNT(*) AS c FROM TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), "
                "INTERVAL '1' SECOND, INTERVAL '2' SECOND)) GROUP BY window_start, window_end",
    "session": "SELECT k, window_start, COUNT(*) AS c FROM TABLE(SESSION(TABLE t PARTITION BY k, DESCRIPTOR(ts), "
               "INTERVAL '1' SECOND)) GROUP BY k, window_start, window_end",
    "legacy": "SELECT k, TUMBLE_START(ts, INTERVAL '1' SECOND) AS ws, COUNT(*) AS c FROM t "
              "GROUP BY k, TUMBLE(ts, INTERVAL '1' SECOND)",
    "tvf": "SELECT id, window_start FROM %s" % TV,
    "session_tvf": "SELECT id, window_start FROM TABLE(SESSION(TABLE t PARTITION BY k, DESCRIPTOR(ts), "
                   "INTERVAL '1' SECOND))",
    "window_topn": "SELECT * FROM (SELECT window_start, window_end, id, ROW_NUMBER() OVER (PARTITION BY "
                   "window_start, window_end ORDER BY v DESC) AS rn FROM %s) WHERE rn <= 2" % TV,
    "window_dedup": "SELECT window_start, id FROM (SELECT window_start, window_end, id, ROW_NUMBER() OVER "
                    "(PARTITION BY window_start, window_end, k ORDER BY ts) AS rn FROM %s) WHERE rn = 1" % TV,
    "over": "SELECT id, COUNT(*) OVER (PARTITION BY k ORDER BY ts ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) "
            "AS c FROM t",
    "group": "SELECT k, COUNT(*) AS c FROM t GROUP BY k",
    "topn": "SELECT k, id FROM (SELECT k, id, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM t) "
            "WHERE rn <= 2",
    "dedup": "SELECT k, id FROM (SELECT k, id, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS rn FROM t) "
             "WHERE rn = 1",
}


def probe(kind):
    """'' when sluice accepts the kind's simplest query, else its first error line."""
    base = kind.rsplit("_", 1)[0] if kind.endswith(("_batch", "_changelog")) else kind
    sql = ["SET 'execution.runtime-mode' = 'batch';"] if kind.endswith("_batch") else []
    sql.append(source_ddl(2))
    sql.append("CREATE TABLE o WITH ('connector' = %s);" %
               ("'print'" if kind.endswith("_changelog") else
                "'filesystem', 'path' = 'o.jsonl', 'format' = 'json'"))
    sql.append("INSERT INTO o %s;" % PROBES[base])
    with open(os.path.join(WORK, "probe.sql"), "w") as f:
        f.write("\n".join(sql) + "\n")
    p = subprocess.run([SLUICE, "validate", "probe.sql"], cwd=WORK, capture_output=True, text=True)
    if p.returncode == 0:
        return ""
    return (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[0]


def not_supported(err):
    return "not supported" in err


def check_dlq(dlq, stream, nlate_q):
    """Every late row in the dead-letter file once per late-dropping query; nothing else."""
    probs = []
    other = [d for d in dlq if d.get("stage") != "late"]
    if other:
        probs.append("dead letters that are not late rows: %s" % other[:2])
    got = collections.Counter(d.get("line") for d in dlq if d.get("stage") == "late")
    want = collections.Counter({i + 1: nlate_q for i in stream.late} if nlate_q else {})
    if got != want:
        extra, missing = got - want, want - got
        probs.append("late dead letters (line: count): %d unexpected %s, %d missing %s" % (
            sum(extra.values()), dict(list(extra.items())[:5]), sum(missing.values()),
            dict(list(missing.items())[:5])))
    for d in dlq:
        if d.get("stage") == "late" and d.get("source") != "t":
            probs.append("late dead letter with source %r" % d.get("source"))
            break
    return probs


# ---------------------------------------------------------------- the oracle, checked alone

def naive_windows(w, ts):
    """[(start, end)] of window spec w holding ts, by enumeration."""
    out = []
    if w[0] == "TUMBLE":
        _, size, off = w
        s = (ts - off) // size * size + off
        out.append((s, s + size))
    elif w[0] == "HOP":
        _, slide, size, off = w
        s = (ts - off) // slide * slide + off
        while s + size > ts:
            out.append((s, s + size))
            s -= slide
    else:
        _, step, size, off = w
        s = (ts - off) // size * size + off
        e = s + step
        while e <= s + size:
            if e > ts:
                out.append((s, e))
            e += step
    return out


def oracle_self_check(nstreams):
    """The SQLite window assignment and session splitting against plain Python loops, and
    the late rows really late against a simulated watermark at every batch size."""
    problems, nlate = 0, 0
    for _ in range(nstreams):
        st = Stream(rnd.randint(1500, 2500), rnd.choice([3, 200]), rnd.choice([1, 2, 5]), 80000, 0.02)
        db = st.db(False)
        nlate += len(st.late)
        on_time = [r for r in st.rows if r["id"] not in st.late]
        for _ in range(6):
            w = rand_window()
            _, sq_from = win_tvf(w)
            got = collections.Counter(db.execute("SELECT k, ws, we, COUNT(*), SUM(v) FROM %s GROUP BY k, ws, we" % sq_from))
            acc = {}
            for r in on_time:
                for s, e in naive_windows(w, r["tsm"]):
                    c = acc.setdefault((r["k"], s, e), [0, None])
                    c[0] += 1
                    if r["v"] is not None:
                        c[1] = (c[1] or 0) + r["v"]
            want = collections.Counter((k, s, e, c, sv) for (k, s, e), (c, sv) in acc.items())
            if got != want:
                problems += 1
                print("oracle: window %s differs from the naive assignment" % (w,))
        gap = rnd.choice([1000, 5000])
        got = collections.Counter(db.execute("SELECT k, ws, we, COUNT(*) FROM %s GROUP BY k, ws, we" % session_sq(gap)))
        want = collections.Counter()
        byk = collections.defaultdict(list)
        for r in on_time:
            byk[r["k"]].append(r["tsm"])
        for k, tss in byk.items():
            tss.sort()
            first = last = tss[0]
            n = 1
            for x in tss[1:]:
                if x - last <= gap:
                    last, n = x, n + 1
                else:
                    want[(k, first, last + gap, n)] += 1
                    first = last = x
                    n = 1
            want[(k, first, last + gap, n)] += 1
        if got != want:
            problems += 1
            print("oracle: sessions (gap %d) differ from the naive split" % gap)
        for part in (True, False):  # the SESSION TVF's Python oracle against SQLite's split
            ses = py_sessions(on_time, gap, part)
            got = {i: (ws, we) for i, ws, we in db.execute("SELECT id, ws, we FROM %s" % session_sq(gap, part))}
            if got != ses:
                problems += 1
                print("oracle: the Python sessions (gap %d, partitioned %s) differ from SQLite's" % (gap, part))
        # lateness: simulate the watermark after each batch, for each batch size
        for bs in (1, 7, 1024):
            wm, seen = None, None
            for i, r in enumerate(st.rows):
                if i % bs == 0 and i > 0:  # the watermark after the batch that ended at i - 1
                    wm = seen - st.bound_s * 1000
                if r["id"] not in st.late:
                    seen = r["tsm"] if seen is None else max(seen, r["tsm"])
                if r["id"] in st.late:
                    # every window (reach 80 s) and the OVER frame is behind the watermark
                    if wm is None or r["tsm"] + 80000 - 1 > wm:
                        problems += 1
                        print("oracle: late row %d not late at batch size %d" % (i, bs))
                elif wm is not None and r["tsm"] <= wm:
                    problems += 1
                    print("oracle: on-time row %d behind the watermark at batch size %d" % (i, bs))
            if bs == 1024:
                break
    print("oracle self-check: %d streams (%d late rows), %d problems" % (nstreams, nlate, problems))
    return problems == 0 and nlate > 0


# ---------------------------------------------------------------- main

def main():
    if ORACLE_ONLY:
        sys.exit(0 if oracle_self_check(max(1, NCASES)) else 1)
    kinds = [k for k in KINDS if not ONLY_KINDS or k in ONLY_KINDS]
    skipped = {}  # kind -> reason
    problems, ncases, nrows_cmp, nlate_total = [], 0, 0, 0
    for k in kinds:
        why = probe(k)
        if why and (not_supported(why) or ": error: expected " in why) and not STRICT:
            skipped[k] = why
        elif why:
            problems.append("%s: sluice rejects its simplest query: %s" % (k, why))
            skipped[k] = why
    per_kind = collections.Counter()
    reach = 80000  # >= every window size, session gap used above (60 s tumble, HOP 5*5 s...)
    nstreams = max(1, NCASES // 25)
    for si in range(nstreams):
        big = si % 3 == 2
        n = rnd.randint(1200, 3000) if big or si % 2 == 0 else rnd.randint(20, 400)
        stream = Stream(n, rnd.choice([2, 5, 50, 1000]), rnd.choice([1, 2, 5]), reach,
                        rnd.choice([0.0, 0.005, 0.02]))
        stream.write(os.path.join(WORK, "in.jsonl"))
        nlate_total += len(stream.late)
        db_on, db_all = stream.db(False), stream.db(True)
        bs = [1, 7, 1024, 0][si % 4]
        queries = []
        for qi in range(25):
            live = [k for k in kinds if k not in skipped]
            if not live:
                break
            queries.append((qi, KINDS[rnd.choice(live)]()))
        groups = [("stream", [x for x in queries if x[1].mode == "append"]),
                  ("batch", [x for x in queries if x[1].mode == "batch"])]
        groups += [("changelog", [x]) for x in queries if x[1].mode == "changelog"]
        for gname, qs in groups:
            qs = [x for x in qs if x[1].kind not in skipped]
            if not qs:
                continue
            runner = (lambda qq: run_changelog(qq[0][0], qq[0][1], stream, bs)) if gname == "changelog" \
                else (lambda qq: run_job(qq, stream, bs, gname == "batch"))
            got, dlq = runner(qs)
            if got is None:  # find the queries sluice rejects, run the rest together again
                kept = []
                for x in qs:
                    one, err = runner([x])
                    if one is not None:
                        kept.append(x)
                    elif not_supported(err) and not STRICT:
                        skipped.setdefault(x[1].kind, err.strip().splitlines()[0] if err.strip() else "")
                    else:
                        problems.append("stream %d query %d (%s, batch size %d): sluice failed: %s\n  sluice: %s"
                                        % (si, x[0], x[1].kind, bs, err.strip()[:600], x[1].fl))
                qs = kept
                if not qs:
                    continue
                got, dlq = runner(qs)
                if got is None:
                    problems.append("stream %d (%s job): sluice failed with queries that ran alone: %s"
                                    % (si, gname, dlq.strip()[:600]))
                    continue
            nlate_q = sum(1 for _, q in qs if q.late)
            for pr in check_dlq(dlq, stream, nlate_q):
                problems.append("stream %d (%s job, batch size %d, %d late rows, %d late-dropping queries): %s"
                                % (si, gname, bs, len(stream.late), nlate_q, pr))
            for qn, q in qs:
                if getattr(q, "py", None):  # a Python oracle over the rows it sees
                    want = q.py([r for r in stream.rows if not q.late or r["id"] not in stream.late])
                else:
                    want = oracle_rows(db_on if q.late else db_all, q)
                msg = compare(got.get(qn, []), want, q)
                ncases += 1
                per_kind[q.kind] += 1
                nrows_cmp += len(want)
                if msg:
                    problems.append("stream %d query %d (%s, batch size %d): %s\n  sluice: %s\n  SQLite: %s"
                                    % (si, qn, q.kind, bs, msg, q.fl, q.sq))
    for k, why in sorted(skipped.items()):
        print("SKIPPED %s: sluice says: %s" % (k, why))
    if problems:
        print("seed %d: %d problems (replay: SEED=%d bash tests/e2e/diff_window.sh)" % (SEED, len(problems), SEED))
        print("\n".join(problems[:8]))
        sys.exit(1)
    print("seed %d: %d cases agree on %d rows over %d streams (%d late rows); per kind: %s" % (
        SEED, ncases, nrows_cmp, nstreams, nlate_total, dict(sorted(per_kind.items()))))
    if ncases == 0 and not skipped:
        sys.exit(1)


main()
