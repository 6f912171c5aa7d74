#!/usr/bin/env python3
"""Differential test of sluice's joins against SQLite (python3's sqlite3), driven by
diff_join.sh.

Every case is a random data set of two or three small tables (JSON lines files) and one random
join query of a kind in diff_join_gen.KINDS, run through `sluice run` at a random batch size
(1, 7 or 1024) into a filesystem sink with 'format' = 'changelog-json', and through SQLite as
the equivalent batch query on the same rows. The changelog is applied to an empty table (+I
and +U add the row, -U and -D remove one equal row; a retraction of a row that is not there is
a failure) and the final table is compared with SQLite's result as a multiset of rows. Kinds
whose result is append-only (interval, window, lookup and temporal joins; INNER joins and
SEMI joins over append-only inputs; anything in batch mode) must emit +I rows only.

The semantics the oracle encodes: a NULL key matches nothing; NOT IN is SQL's three-valued
NOT IN (SQLite implements it); an interval join is the batch join with the time bounds as a
condition (nothing is late: each table's disorder is at most half its watermark delay); a
window join joins rows of equal window_start and window_end (windows as integer division of
the epoch milliseconds, as in diff_window); a lookup join equals the batch join against the
whole dimension (with a PRIMARY KEY, the last row of each key in file order); a temporal join
picks, per probe row, the version of its key with the latest time <= the probe's time.

Each case is rebuilt from (seed, case number) alone: a failure prints the case's SQL and data
and the command that replays it (--seed S --case N).
A failing kind's smallest case is shrunk (rows removed while it still fails) before it is printed.
Usage: diff_join.py SLUICE WORKDIR --seed S [--cases N] [--case I [--shrink]] [--kinds a,b] [--oracle-only]
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import diff_join_gen as gen  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("sluice")
ap.add_argument("work")
ap.add_argument("--seed", type=int, required=True)
ap.add_argument("--cases", type=int, default=300)
ap.add_argument("--case", type=int, default=None, help="run only this case (replay)")
ap.add_argument("--kinds", default=os.environ.get("SLUICE_DIFF_KINDS", ""))
ap.add_argument("--oracle-only", action="store_true")
ap.add_argument("--verbose", action="store_true")
ap.add_argument("--shrink", action="store_true", help="with --case: also print the case shrunk")
args = ap.parse_args()
SLUICE, WORK = os.path.abspath(args.sluice), args.work
ONLY = [k for k in args.kinds.split(",") if k]
for k in ONLY:
    if k not in gen.KINDS:
        sys.exit("unknown kind %r (kinds: %s)" % (k, ", ".join(gen.KINDS)))
KINDS = ONLY or [k for k in gen.KINDS if k not in gen.DISABLED_KINDS]


def build_case(i):
    """Case i of the run: its kind goes round the kinds; everything else from (seed, i)."""
    kind = KINDS[i % len(KINDS)]
    gen.rnd.seed("%d/%d" % (args.seed, i))
    c = gen.KINDS[kind]()
    c.bs = gen.rnd.choice([1, 7, 1024])
    c.gen_kind = kind
    return c


def conv(v, ty):
    if v is None:
        return None
    return gen.ts_text(v) if ty == "ts" else v


def oracle(c):
    db = gen.make_db(c.tables)
    return [tuple(conv(v, t) for v, t in zip(r, c.types)) for r in db.execute(c.sq)]


def run_sluice(c):
    """(rows of the final table, '') or (None, what went wrong)."""
    for t in c.tables:
        with open(os.path.join(WORK, t.name + ".jsonl"), "w") as f:
            f.write("".join(x + "\n" for x in t.lines()))
    with open(os.path.join(WORK, "p.sql"), "w") as f:
        f.write("\n".join(c.statements(c.bs)) + "\n")
    out = os.path.join(WORK, "o.jsonl")
    if os.path.exists(out):
        os.remove(out)
    try:
        p = subprocess.run([SLUICE, "run", "p.sql", "-q"], cwd=WORK, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None, "sluice ran for more than 60 s"
    if p.returncode != 0:
        return None, "sluice exit %d: %s" % (p.returncode, p.stderr.strip()[:1500])
    if not os.path.exists(out):
        return None, "no output file"
    names = ["c%d" % j for j in range(len(c.types))]
    table = collections.Counter()
    with open(out) as f:
        for n, line in enumerate(f, 1):
            try:
                o = json.loads(line)
                op, data = o["op"], o["data"]
            except (ValueError, KeyError, TypeError):
                return None, "output line %d is not a changelog-json row: %s" % (n, line.strip())
            if sorted(data) != sorted(names):
                return None, "output line %d has columns %s, expected %s" % (n, sorted(data), names)
            row = tuple(data[x] for x in names)
            if op not in gen.CHANGELOG_KINDS:
                return None, "output line %d: unknown op %r" % (n, op)
            if c.append and op != "+I":
                return None, "output line %d is %s in a query whose result is append-only: %s" % (n, op, line.strip())
            if op in ("+I", "+U"):
                table[row] += 1
            elif table[row] <= 0:
                return None, "output line %d retracts a row that is not there: %s" % (n, line.strip())
            else:
                table[row] -= 1
    return list(table.elements()), ""


# What `sluice explain` must show for a kind: the join operator the kind is there to test
# (an interval join planned as a regular join with a residual would agree with SQLite too).
PLANNED = [("interval_", r"(?i)interval"), ("window_", r"(?i)window.?join|join.*window"), ("lookup_", r"(?i)lookup"),
           ("temporal_", r"(?i)temporal"), ("", r"\bJoin\b")]


def check_plan(c):
    """'' when the explained pipeline of case c (already written) has the kind's operator."""
    pat = next(p for pre, p in PLANNED if c.gen_kind.startswith(pre))
    p = subprocess.run([SLUICE, "explain", "p.sql"], cwd=WORK, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        return "sluice explain failed: %s" % p.stderr.strip()[:600]
    if not re.search(pat, p.stdout):
        return "the plan has no operator matching /%s/:\n%s" % (pat, p.stdout)
    return ""


def compare(got, want):
    g, w = collections.Counter(got), collections.Counter(want)
    if g == w:
        return ""
    return "%d rows only in sluice, %d only in SQLite (of %d)\n  only in sluice: %s\n  only in SQLite: %s" % (
        sum((g - w).values()), sum((w - g).values()), sum(w.values()), list((g - w).elements())[:6],
        list((w - g).elements())[:6])


def check(c):
    """'' when sluice agrees with SQLite on case c, else what differs."""
    got, why = run_sluice(c)
    return why or compare(got, oracle(c))


def shrink(c, why, budget=400):
    """Case c with rows removed (chunks, then single rows) while it still fails: the smallest
    data set that shows the problem. Returns (case, why)."""
    for t in c.tables:
        chunk = max(1, len(t.rows) // 2)
        while chunk >= 1 and budget > 0:
            j = 0
            while j < len(t.rows) and budget > 0:
                keep = t.rows
                t.rows = keep[:j] + keep[j + chunk:]
                budget -= 1
                w = check(c)
                if w:
                    why = w
                else:
                    t.rows = keep
                    j += chunk
            chunk //= 2
    return c, why


def show_case(i, c, why):
    lines = ["case %d (%s, batch size %d%s): %s" % (i, c.kind, c.bs, ", batch mode" if c.batch else "", why),
             "  replay: python3 tests/e2e/diff_join.py %s DIR --seed %d --case %d --kinds %s" % (
                 args.sluice, args.seed, i, c.gen_kind),
             "  SQLite: " + c.sq, "  pipeline:"]
    lines += ["    " + s for s in c.statements(c.bs)]
    for t in c.tables:
        rows = t.lines()
        lines.append("  %s.jsonl (%d rows)%s" % (t.name, len(rows), "" if len(rows) <= 60 else ", the first 60:"))
        lines += ["    " + x for x in rows[:60]]
    return "\n".join(lines)


# ---------------------------------------------------------------- the oracle, checked alone

def naive_windows(w, ts):
    kind, a, b = w
    out = []
    if kind == "TUMBLE":
        s = ts // (a * 1000) * a * 1000
        out.append((s, s + a * 1000))
    elif kind == "HOP":
        slide, size = a * 1000, b * 1000
        s = ts // slide * slide
        while s + size > ts:
            out.append((s, s + size))
            s -= slide
    else:
        step, size = a * 1000, b * 1000
        s = ts // size * size
        e = s + step
        while e <= s + size:
            if e > ts:
                out.append((s, e))
            e += step
    return out


def oracle_self_check(n):
    """The SQLite forms the oracle relies on, against other computations: window assignment
    against enumeration; the interval bounds as sluice reads them (INTERVAL as milliseconds,
    evaluated by SQLite) against the oracle's normalised bounds; the temporal join's version
    pick and the lookup dimension's last row per key against Python loops."""
    problems = 0
    for i in range(n):
        gen.rnd.seed("oracle %d/%d" % (args.seed, i))
        w = gen.rand_window()
        t = gen.Table("a", gen.gen_rows(60, 3, 2, timed=True), wm=2)
        db = gen.make_db([t])
        got = collections.Counter(db.execute("SELECT rn, window_start, window_end FROM %s" % gen.win_tvf(w, "a")[1]))
        want = collections.Counter((rn, s, e) for rn, r in enumerate(t.rows) for s, e in naive_windows(w, r["ts"]))
        if got != want:
            problems += 1
            print("oracle: window %s differs from the enumeration" % (w,))
        c = gen.q_interval(gen.rnd.random() < 0.5)
        fl_sq = re.sub(r"INTERVAL '(\d+)' SECOND", lambda m: str(int(m.group(1)) * 1000), c.fl)
        fl_sq = re.sub(r" AS c\d+", "", fl_sq)
        db = gen.make_db(c.tables)
        if collections.Counter(db.execute(fl_sq)) != collections.Counter(db.execute(c.sq)):
            problems += 1
            print("oracle: interval bounds differ:\n  %s\n  %s" % (c.fl, c.sq))
        c = gen.q_temporal(gen.rnd.choice(["INNER", "LEFT"]))
        if " AND " not in c.fl.split(" ON ")[1]:  # no residual: the pick alone
            probe, vers = c.tables
            want = collections.Counter()
            for r in probe.rows:
                best = None
                for v in vers.rows:
                    if v["k"] == r["k"] and r["k"] is not None and v["ts"] <= r["ts"] and \
                            (best is None or v["ts"] > best["ts"]):
                        best = v
                if best is not None or c.kind == "temporal_left":
                    want[(r["id"], r["ts"], best and best["id"], best and best["ts"])] += 1
            db = gen.make_db(c.tables)
            got = collections.Counter(tuple(x[:4]) for x in db.execute(c.sq))
            if got != want:
                problems += 1
                print("oracle: the temporal version pick differs: %s" % c.sq)
        c = gen.q_lookup("LEFT")
        if c.kind.endswith("_pk"):
            dim = c.tables[1]
            last = {r["k"]: r for r in dim.rows}
            db = gen.make_db(c.tables)
            sdim = "(SELECT * FROM dim WHERE rn IN (SELECT MAX(rn) FROM dim GROUP BY k))"
            got = sorted(db.execute("SELECT id, k FROM %s" % sdim))
            if got != sorted((r["id"], r["k"]) for r in last.values()):
                problems += 1
                print("oracle: the dimension's last row per key differs")
    print("oracle self-check: %d rounds, %d problems" % (n, problems))
    return problems == 0


# ---------------------------------------------------------------- main

def main():
    if args.oracle_only:
        sys.exit(0 if oracle_self_check(max(1, args.cases)) else 1)
    t0 = time.time()
    by_reason = collections.defaultdict(list)
    for k, why in gen.DISABLED_KINDS.items():
        if k not in KINDS:
            by_reason[why].append(k)
    for why, ks in by_reason.items():
        print("DISABLED %s: %s" % (", ".join(ks), why))
    if not KINDS:
        print("seed %d: every kind is disabled, no case runs" % args.seed)
        return
    which = [args.case] if args.case is not None else range(args.cases)
    per_kind, failed = collections.Counter(), collections.defaultdict(list)
    nrows, explained = 0, set()
    for i in which:
        c = build_case(i)
        want = oracle(c)
        got, why = run_sluice(c)
        if got is not None:
            why = compare(got, want)
        if not why and c.gen_kind not in explained:  # once per kind: the operator it tests
            explained.add(c.gen_kind)
            why = check_plan(c)
        per_kind[c.kind] += 1
        nrows += len(want)
        if why:
            failed[c.kind].append((sum(len(t.rows) for t in c.tables), i, c, why))
        if args.verbose or args.case is not None:
            print("case %d %s bs %d: %s" % (i, c.kind, c.bs, "ok" if not why else "FAIL"))
            if args.case is not None and why:
                print(show_case(i, c, why))
                if args.shrink:
                    c, why = shrink(c, why)
                    print("shrunk:\n" + show_case(i, c, why))
    if failed:
        nfail = sum(len(v) for v in failed.values())
        print("seed %d: %d of %d cases fail (replay: SEED=%d bash tests/e2e/diff_join.sh)" % (
            args.seed, nfail, len(which), args.seed))
        for k, lst in sorted(failed.items()):
            lst.sort(key=lambda x: (x[0], x[1]))
            print("%s: %d of %d cases fail, e.g. cases %s" % (k, len(lst), per_kind[k], [x[1] for x in lst[:8]]))
        for k, lst in sorted(failed.items()):  # the smallest failing case of each kind, shrunk
            i, c, why = lst[0][1], lst[0][2], lst[0][3]
            n0 = sum(len(t.rows) for t in c.tables)
            c, why = shrink(c, why)
            print(show_case(i, c, why + "\n  (shrunk from %d rows to %d)" % (n0, sum(len(t.rows) for t in c.tables))))
        sys.exit(1)
    print("seed %d: %d cases agree on %d rows in %.1f s; per kind: %s" % (
        args.seed, len(which), nrows, time.time() - t0, dict(sorted(per_kind.items()))))


main()
