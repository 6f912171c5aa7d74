#!/usr/bin/env python3
"""Differential test of sluice's expressions against SQLite (driven by diff_sqlite.sh).

Random rows (INT, BIGINT, DOUBLE, STRING, with NULLs) go to a JSON file and to an in-memory
SQLite table. Random queries `SELECT id, e1, e2.. FROM t WHERE p` are drawn from a typed
grammar limited to what both engines define the same way; each runs through sluice (JSON file
source, one JSON file sink per query, many queries per job as a statement set) and through
SQLite, and the results are compared as multisets of rows.

The grammar: columns and literals of INT, BIGINT, DOUBLE and STRING (ASCII and a few
non-ASCII characters); + - * and unary minus; comparisons; AND, OR, NOT, IS [NOT] TRUE/FALSE;
IS [NOT] NULL; [NOT] IN with literals, expressions or a NULL; [NOT] BETWEEN; [NOT] LIKE with
and without ESCAPE; ||; UPPER, LOWER, CHAR_LENGTH; COALESCE; searched and simple CASE; NULL
literals. DOUBLE + - * agree because sluice prints doubles in the shortest form that reads
back exactly; UPPER/LOWER change ASCII letters only in both (SQLite without ICU). It leaves
out, on purpose, what the two define differently:
  - `/` and `%`: a division by zero is a row error in sluice (Flink) and NULL in SQLite;
    DOUBLE division by zero is Infinity/NaN in Java, which JSON cannot hold;
  - integer overflow: INT arithmetic wraps at 32 bits in sluice (Java semantics; INT op INT
    is INT), SQLite computes in 64 bits and turns REAL past that. The generator tracks a
    bound for every integer expression and never builds one that could leave its type;
    DOUBLE values stay small (no Infinity);
  - DECIMAL literals (SQLite has no DECIMAL): DOUBLE literals are written `...E0`;
  - CAST (the type names and the text forms differ); comparisons of a STRING with a number
    (sluice converts the string to a number, SQLite orders every TEXT above every number);
  - SQLite's default LIKE ignores ASCII case and Flink's does not, so SQLite runs with
    `PRAGMA case_sensitive_like = ON`; an ESCAPE character is only put before % _ or itself
    (Calcite, hence Flink, rejects any other escape sequence as invalid);
  - CHAR_LENGTH is spelt LENGTH in SQLite (sluice, like Flink, has no LENGTH): the only place
    where the two query texts differ.
Booleans come back from SQLite as 1/0 and are mapped by the expression's type.
Usage: diff_sqlite.py SLUICE WORKDIR SEED NQUERIES [ONLY]   (ONLY: run just query number ONLY)
"""
import collections
import json
import os
import random
import sqlite3
import subprocess
import sys

SLUICE, WORK, SEED, NQ = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ONLY = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5] != "" else None
rnd = random.Random(SEED)
INT_MAX, BIG_MAX = 2**31 - 1, 2**62
ALPHABET = "abcAB_%! '\u00e9\u00df\u65e5"  # with e-acute, sharp s, a CJK character
BATCHES = [1, 7, 1024]
CHUNK = 25  # queries per sluice job

def rand_str():
    return "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, 4)))


def gen_rows(n):
    rows = []
    for i in range(n):
        def nul(v):
            return None if rnd.random() < 0.15 else v
        big = rnd.randint(-100, 100) if rnd.random() < 0.5 else rnd.randint(-5 * 10**9, 5 * 10**9)
        rows.append({"id": i, "i1": nul(rnd.randint(-100, 100)), "i2": nul(rnd.randint(-100, 100)),
                     "b1": nul(big), "d1": nul(rnd.randint(-400, 400) / 4), "s1": nul(rand_str()),
                     "s2": nul(rand_str())})
    return rows


class E:
    """An expression: its sluice text, its SQLite text, its type and (integers) a bound."""

    def __init__(self, fl, sq, ty, bound=0):
        self.fl, self.sq, self.ty, self.bound = fl, sq, ty, bound


def same(text, ty, bound=0):
    return E(text, text, ty, bound)


def wrap(fmt, ty, *args, bound=0):
    return E(fmt.format(*[a.fl for a in args]), fmt.format(*[a.sq for a in args]), ty, bound)


def str_lit(s):
    return "'" + s.replace("'", "''") + "'"


def int_type(*tys):
    return "BIGINT" if "BIGINT" in tys else "INT"


def fits(ty, bound):
    return bound <= (INT_MAX if ty == "INT" else BIG_MAX)


def leaf_or(n, d):
    """0 (a column) twice as often as the other leaves 1..n at depth 0; any of 0..n above."""
    return rnd.choice([0, 0] + list(range(1, n + 1))) if d <= 0 else None


def bare_null(d):
    """Now and then, at depth 0, a bare untyped NULL in place of an expression."""
    return d <= 0 and rnd.random() < 1 / 12


def gen_int(d):
    """An INT or BIGINT expression that cannot overflow."""
    if bare_null(d):
        return same("NULL", "INT")
    for _ in range(20):
        k = leaf_or(2, d)
        k = rnd.randint(0, 12) if k is None else k
        if k == 0:
            c = rnd.choice(["i1", "i2", "b1"])
            return same(c, "BIGINT" if c == "b1" else "INT", 5 * 10**9 if c == "b1" else 100)
        if k == 1:
            v = rnd.randint(-20, 100) if rnd.random() < 0.9 else rnd.randint(3 * 10**9, 4 * 10**9)
            return same("(%d)" % v if v < 0 else str(v), "INT" if v <= INT_MAX else "BIGINT", abs(v))
        if k == 2:
            s = gen_str(0)
            return E("CHAR_LENGTH(%s)" % s.fl, "LENGTH(%s)" % s.sq, "INT", 64)
        if k in (3, 4, 5):
            a, b = gen_int(d - 1), gen_int(d - 1)
            op = rnd.choice("+-*")
            bound = a.bound * b.bound if op == "*" else a.bound + b.bound
            ty = int_type(a.ty, b.ty)
            if fits(ty, bound):
                return wrap("({} %s {})" % op, ty, a, b, bound=bound)
            continue
        if k == 6:
            a = gen_int(d - 1)
            return wrap("(-{})", a.ty, a, bound=a.bound)
        if k == 7:
            c, a, b = gen_bool(d - 1), gen_int(d - 1), gen_int(d - 1)
            return wrap("(CASE WHEN {} THEN {} ELSE {} END)", int_type(a.ty, b.ty), c, a, b,
                        bound=max(a.bound, b.bound))
        if k == 8:
            a, b = gen_int(d - 1), gen_int(d - 1)
            return wrap("COALESCE({}, {})", int_type(a.ty, b.ty), a, b, bound=max(a.bound, b.bound))
        if k == 9:
            c, a = gen_bool(d - 1), gen_int(d - 1)
            return wrap("(CASE WHEN {} THEN {} END)", a.ty, c, a, bound=a.bound)
        if k == 10:  # simple CASE, several WHENs
            x, a, b, c = gen_int(d - 1), gen_int(d - 1), gen_int(d - 1), gen_int(d - 1)
            v1, v2 = rnd.randint(-5, 5), rnd.randint(-100, 100)
            return wrap("(CASE {} WHEN %d THEN {} WHEN %d THEN {} ELSE {} END)" % (v1, v2),
                        int_type(a.ty, b.ty, c.ty), x, a, b, c, bound=max(a.bound, b.bound, c.bound))
        if k == 11:
            a, b, c = gen_int(d - 1), gen_int(d - 1), gen_int(d - 1)
            return wrap("COALESCE({}, {}, {})", int_type(a.ty, b.ty, c.ty), a, b, c,
                        bound=max(a.bound, b.bound, c.bound))
        if k == 12:
            a = gen_int(d - 1)
            return with_null(a, d, "({} %s NULL)" % rnd.choice("+-*"))
    return same("i1", "INT", 100)


def with_null(a, d, arith=None):
    """a NULL literal next to the typed expression a (an untyped NULL alone has no type)."""
    forms = ["COALESCE(NULL, {})", "(CASE WHEN {} THEN NULL ELSE {} END)",
             "(CASE WHEN {} THEN {} ELSE NULL END)"] + ([arith] if arith else [])
    f = rnd.choice(forms)
    if f.startswith("(CASE"):
        return wrap(f, a.ty, gen_bool(d - 1), a, bound=a.bound)
    return wrap(f, a.ty, a, bound=a.bound)


def gen_double(d):
    """A DOUBLE expression; its magnitude stays far from overflow (|d1| <= 100, depth <= 3)."""
    if bare_null(d):
        return same("NULL", "DOUBLE")
    k = leaf_or(1, d)
    k = rnd.randint(0, 6) if k is None else k
    if k in (5, 6):  # + - * with at least one DOUBLE operand (an INT one is converted)
        a, b = gen_double(d - 1), gen_num(d - 1)
        if rnd.random() < 0.5:
            a, b = b, a
        return wrap("({} %s {})" % rnd.choice("+-*"), "DOUBLE", a, b)
    if k == 0:
        return same("d1", "DOUBLE")
    if k == 1:
        return same("%rE0" % (rnd.randint(-400, 400) / 4), "DOUBLE")
    if k == 2:
        return wrap("COALESCE({}, {})", "DOUBLE", gen_double(d - 1), gen_double(d - 1))
    if k == 4:
        return with_null(gen_double(d - 1), d)
    return wrap("(CASE WHEN {} THEN {} ELSE {} END)", "DOUBLE", gen_bool(d - 1), gen_double(d - 1),
                gen_double(d - 1))


def gen_num(d):
    return gen_double(d) if rnd.random() < 0.25 else gen_int(d)


def gen_str(d):
    if bare_null(d):
        return same("NULL", "STRING")
    k = leaf_or(1, d)
    k = rnd.randint(0, 7) if k is None else k
    if k == 0:
        return same(rnd.choice(["s1", "s2"]), "STRING")
    if k == 1:
        return same(str_lit(rand_str()), "STRING")
    if k == 2:
        return wrap("UPPER({})", "STRING", gen_str(d - 1))
    if k == 3:
        return wrap("LOWER({})", "STRING", gen_str(d - 1))
    if k == 4:
        return wrap("({} || {})", "STRING", gen_str(d - 1), gen_str(d - 1))
    if k == 5:
        return wrap("COALESCE({}, {})", "STRING", gen_str(d - 1), gen_str(d - 1))
    if k == 7:
        return with_null(gen_str(d - 1), d, rnd.choice(["(NULL || {})", "({} || NULL)"]))
    return wrap("(CASE WHEN {} THEN {} ELSE {} END)", "STRING", gen_bool(d - 1), gen_str(d - 1),
                gen_str(d - 1))


def gen_pattern():
    """A LIKE pattern, and half the time ESCAPE '!' with '!' before % _ or ! (never last)."""
    parts = [rnd.choice("ab%_A' \u00e9\u65e5") for _ in range(rnd.randint(0, 4))]
    if rnd.random() < 0.5:
        return str_lit("".join(parts))
    for _ in range(rnd.randint(1, 2)):
        parts.insert(rnd.randint(0, len(parts)), "!" + rnd.choice("%_!"))
    return str_lit("".join(parts)) + " ESCAPE '!'"


def gen_bool(d):
    if bare_null(d):
        return same("NULL", "BOOLEAN")
    k = rnd.randint(0, 13 if d > 0 else 2)
    if k == 0:
        a, b = gen_num(d - 1), gen_num(d - 1)
        return wrap("({} %s {})" % rnd.choice(["=", "<>", "<", "<=", ">", ">="]), "BOOLEAN", a, b)
    if k == 1:
        a, b = gen_str(d - 1), gen_str(d - 1)
        return wrap("({} %s {})" % rnd.choice(["=", "<>", "<", "<=", ">", ">="]), "BOOLEAN", a, b)
    if k == 2:
        return same(rnd.choice(["TRUE", "FALSE"]), "BOOLEAN")
    if k == 3:
        return wrap("({} AND {})", "BOOLEAN", gen_bool(d - 1), gen_bool(d - 1))
    if k == 4:
        return wrap("({} OR {})", "BOOLEAN", gen_bool(d - 1), gen_bool(d - 1))
    if k == 5:
        return wrap("(NOT {})", "BOOLEAN", gen_bool(d - 1))
    if k == 6:
        a = rnd.choice([gen_int, gen_str, gen_double])(d - 1)
        return wrap("({} IS %sNULL)" % rnd.choice(["", "NOT "]), "BOOLEAN", a)
    if k == 7:  # a numeric IN list: literals, or expressions of mixed numeric types
        a = gen_num(d - 1)
        if rnd.random() < 0.5:
            lits = ", ".join(str(rnd.randint(-10, 100)) for _ in range(rnd.randint(1, 4)))
            return wrap("({} %sIN (%s))" % (rnd.choice(["", "NOT "]), lits), "BOOLEAN", a)
        items = [gen_num(d - 1) for _ in range(rnd.randint(1, 3))]
        return wrap("({} %sIN (%s))" % (rnd.choice(["", "NOT "]), ", ".join(["{}"] * len(items))),
                    "BOOLEAN", a, *items)
    if k == 8:
        a = gen_str(d - 1)
        lits = ", ".join(str_lit(rand_str()) for _ in range(rnd.randint(1, 4)))
        return wrap("({} %sIN (%s))" % (rnd.choice(["", "NOT "]), lits), "BOOLEAN", a)
    if k == 9:
        a, lo, hi = gen_num(d - 1), gen_num(d - 1), gen_num(d - 1)
        return wrap("({} %sBETWEEN {} AND {})" % rnd.choice(["", "NOT "]), "BOOLEAN", a, lo, hi)
    if k == 10:
        a = gen_str(d - 1)
        return wrap("({} %sLIKE %s)" % (rnd.choice(["", "NOT "]), gen_pattern()), "BOOLEAN", a)
    if k == 11:
        return wrap("({} IS %s)" % rnd.choice(["TRUE", "FALSE", "NOT TRUE", "NOT FALSE"]),
                    "BOOLEAN", gen_bool(d - 1))
    if k == 12:  # NULL in an IN list or compared
        a = gen_int(d - 1)
        if rnd.random() < 0.5:
            return wrap("({} %sIN (%d, NULL))" % (rnd.choice(["", "NOT "]), rnd.randint(-5, 5)),
                        "BOOLEAN", a)
        return wrap("({} %s NULL)" % rnd.choice(["=", "<>", "<"]), "BOOLEAN", a)
    return with_null(gen_bool(d - 1), d)


def gen_query():
    proj = [rnd.choice([gen_int, gen_str, gen_bool, gen_double])(rnd.randint(1, 3))
            for _ in range(rnd.randint(1, 3))]
    where = gen_bool(rnd.randint(1, 3)) if rnd.random() < 0.8 else None
    return proj, where


def query_text(proj, where, flavour):
    cols = ", ".join("%s AS c%d" % (getattr(e, flavour), i) for i, e in enumerate(proj))
    text = "SELECT id, %s FROM t" % cols
    return text + (" WHERE %s" % getattr(where, flavour) if where else "")


def norm(v, ty):
    if v is None:
        return None
    if ty == "BOOLEAN":
        return bool(v)
    if ty == "DOUBLE":
        return float(v)
    return v


def sluice_job(qs, bs):
    """Runs queries [(n, proj, where)] as one job; returns {n: rows} or None if the job failed."""
    sql = ["CREATE TABLE t (id INT, i1 INT, i2 INT, b1 BIGINT, d1 DOUBLE, s1 STRING, s2 STRING) "
           "WITH ('connector' = 'filesystem', 'path' = 't.jsonl', 'format' = 'json');"]
    for n, proj, where in qs:
        sql.append("CREATE TABLE o%d WITH ('connector' = 'filesystem', 'path' = 'o%d.jsonl', "
                   "'format' = 'json');" % (n, n))
    for n, proj, where in qs:
        sql.append("INSERT INTO o%d %s;" % (n, query_text(proj, where, "fl")))
    with open(os.path.join(WORK, "p.sql"), "w") as f:
        f.write("\n".join(sql) + "\n")
    p = subprocess.run([SLUICE, "run", "p.sql", "-q", "--set", "sluice.batch-size=%d" % bs],
                       cwd=WORK, capture_output=True, text=True)
    if p.returncode != 0:
        return None, p.stderr
    out = {}
    for n, proj, where in qs:
        rows = []
        with open(os.path.join(WORK, "o%d.jsonl" % n)) as f:
            for line in f:
                o = json.loads(line)
                rows.append((o["id"],) + tuple(norm(o["c%d" % i], e.ty) for i, e in enumerate(proj)))
        out[n] = rows
    return out, ""


def main():
    rows = gen_rows(150)
    with open(os.path.join(WORK, "t.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    db = sqlite3.connect(":memory:")
    db.execute("PRAGMA case_sensitive_like = ON")
    # SQLite's UPPER/LOWER map ASCII only; Flink (Java) maps every letter with the full Unicode
    # mappings (sharp s -> SS), as Python's str.upper/lower do: the oracle uses those.
    db.create_function("UPPER", 1, lambda v: None if v is None else v.upper(), deterministic=True)
    db.create_function("LOWER", 1, lambda v: None if v is None else v.lower(), deterministic=True)
    db.execute("CREATE TABLE t (id INTEGER, i1 INTEGER, i2 INTEGER, b1 INTEGER, d1 REAL, "
               "s1 TEXT, s2 TEXT)")
    db.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [tuple(r[c] for c in ("id", "i1", "i2", "b1", "d1", "s1", "s2")) for r in rows])
    queries = [(n,) + gen_query() for n in range(NQ)]
    if ONLY is not None:
        queries = [q for q in queries if q[0] == ONLY]
    problems, nrows, nvalues, nnull = [], 0, 0, 0
    for ci in range(0, len(queries), CHUNK):
        chunk = queries[ci:ci + CHUNK]
        bs = BATCHES[(ci // CHUNK) % len(BATCHES)]
        got, err = sluice_job(chunk, bs)
        if got is None:  # find the query sluice rejects
            got = {}
            for q in chunk:
                one, err = sluice_job([q], bs)
                if one is None:
                    problems.append("query %d: sluice failed: %s\n  sluice: %s" %
                                    (q[0], err.strip(), query_text(q[1], q[2], "fl")))
                else:
                    got.update(one)
        for n, proj, where in chunk:
            if n not in got:
                continue
            want = [(r[0],) + tuple(norm(v, e.ty) for v, e in zip(r[1:], proj))
                    for r in db.execute(query_text(proj, where, "sq"))]
            nrows += len(want)
            nvalues += sum(len(r) - 1 for r in want)
            nnull += sum(v is None for r in want for v in r[1:])
            g, w = collections.Counter(got[n]), collections.Counter(want)
            if g != w:
                extra, missing = list((g - w).elements()), list((w - g).elements())
                problems.append(
                    "query %d (batch size %d): %d rows only in sluice, %d only in SQLite\n"
                    "  sluice: %s\n  sqlite: %s\n  only in sluice: %s\n  only in SQLite: %s\n"
                    "  input rows: %s" %
                    (n, bs, len(extra), len(missing), query_text(proj, where, "fl"),
                     query_text(proj, where, "sq"), extra[:3], missing[:3],
                     [rows[i] for i in sorted({r[0] for r in extra[:3] + missing[:3]})]))
    if problems:
        print("seed %d: %d of %d queries differ (replay one: SEED=%d ONLY=N bash "
              "tests/e2e/diff_sqlite.sh)" % (SEED, len(problems), len(queries), SEED))
        print("\n".join(problems[:10]))
        sys.exit(1)
    # a run whose queries return (almost) nothing would prove nothing
    if ONLY is None and (nrows < 20 * len(queries) or nnull > nvalues // 2):
        print("seed %d: too little was compared: %d rows, %d values, %d NULL" %
              (SEED, nrows, nvalues, nnull))
        sys.exit(1)
    print("seed %d: %d queries agree on %d rows (%d values, %d NULL)" %
          (SEED, len(queries), nrows, nvalues, nnull))


main()
