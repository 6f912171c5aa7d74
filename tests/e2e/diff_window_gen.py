#!/usr/bin/env python3
"""The random streams and queries of the window differential test (see diff_window.py): the
stream generator with its late rows, the aggregates with their SQLite forms and result
conversions, and one query builder per kind (KINDS); the SESSION TVF on its own has a Python
oracle (py_sessions). `rnd` is seeded by diff_window.py."""
import collections
import datetime
import json
import random
import sqlite3
from decimal import ROUND_HALF_UP, Decimal

rnd = random.Random(0)
BASE_MS = 1704067200000  # 2024-01-01 00:00:00
S_ALPHABET = "abcxyz\u00e9\u00df\u65e5"
LATE_LAG = 1100
EPOCH = datetime.datetime(1970, 1, 1)


def ts_text(ms):
    return (EPOCH + datetime.timedelta(milliseconds=ms)).strftime("%Y-%m-%d %H:%M:%S.") + \
        "%03d" % (ms % 1000)


# ---------------------------------------------------------------- the stream

class Stream:
    """A random event stream: rows (dicts, in file order), which of them are late, B in s."""

    def __init__(self, n, nkeys, bound_s, reach_ms, late_rate):
        self.bound_s = bound_s
        B = bound_s * 1000
        rows, late, used = [], set(), set()
        maxts = None
        prefix_max = []  # max on-time ts over rows[0..i]
        for i in range(n):
            is_late = False
            if i >= LATE_LAG and rnd.random() < late_rate:
                m_then = prefix_max[i - LATE_LAG]
                recent = [r["tsm"] for j, r in enumerate(rows[i - LATE_LAG:i], i - LATE_LAG)
                          if j not in late]
                span = max(recent) - min(recent)
                hi = m_then - B - span - reach_ms - 1  # latest end of its windows < hi
                if hi > BASE_MS - 10**7:
                    ts = hi - rnd.randint(1, 120000)
                    while ts in used:
                        ts -= 1
                    is_late = True
            if not is_late:
                if maxts is None:
                    ts = BASE_MS + rnd.randint(0, 59999)
                elif rnd.random() < 0.35:  # out of order, within the bound
                    ts = maxts - rnd.randint(0, B - 1)
                else:
                    ts = maxts + rnd.choice([1, rnd.randint(1, 400), rnd.randint(1, 3000),
                                             rnd.randint(1, 12000)])
                    if rnd.random() < 0.1:  # now and then exactly on a second boundary
                        ts = (ts // 1000 + 1) * 1000
                while ts in used:
                    ts += 1
                maxts = ts if maxts is None else max(maxts, ts)
            used.add(ts)

            def nul(x, p=0.1):
                return None if rnd.random() < p else x
            if is_late:
                k = "late%d" % i
                late.add(i)
            else:
                k = nul("k%d" % rnd.randrange(nkeys), 0.06)
            s = "".join(rnd.choice(S_ALPHABET) for _ in range(rnd.randint(0, 4)))
            rows.append({"id": i, "k": k, "v": nul(rnd.randint(-1000, 1000)),
                         "dc": nul(rnd.randint(-100000, 100000)), "s": nul(s), "tsm": ts})
            prefix_max.append(maxts)
        self.rows, self.late = rows, late

    def write(self, path):
        with open(path, "w") as f:
            for r in self.rows:
                d = None if r["dc"] is None else "%s" % (Decimal(r["dc"]) / 100).quantize(Decimal("0.01"))
                # DECIMAL written as a JSON number with its two decimals
                line = '{"id":%d,"k":%s,"v":%s,"d":%s,"s":%s,"ts":"%s"}' % (
                    r["id"], json.dumps(r["k"]), json.dumps(r["v"]), "null" if d is None else d,
                    json.dumps(r["s"], ensure_ascii=False), ts_text(r["tsm"]))
                f.write(line + "\n")

    def db(self, with_late):
        db = sqlite3.connect(":memory:")
        db.execute("CREATE TABLE t (id INTEGER, k TEXT, v INTEGER, dc INTEGER, s TEXT, tsm INTEGER)")
        db.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)",
                       [(r["id"], r["k"], r["v"], r["dc"], r["s"], r["tsm"]) for r in self.rows
                        if with_late or r["id"] not in self.late])
        db.create_aggregate("first_nn", 2, FirstNonNull)
        db.create_aggregate("last_nn", 2, LastNonNull)
        db.create_aggregate("listagg_ord", 3, ListAgg)
        db.execute("CREATE TABLE nums (j INTEGER)")
        db.executemany("INSERT INTO nums VALUES (?)", [(j,) for j in range(0, 200)])
        return db


# ---------------------------------------------------------------- values

def dec_text(cents_sum, scale=2):
    if cents_sum is None:
        return None
    return str((Decimal(cents_sum) / 100).quantize(Decimal(1).scaleb(-scale)))


def avg_dec(s, n):
    if not n:
        return None
    return str((Decimal(s) / 100 / n).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


def avg_int(s, n):
    if not n:
        return None
    q = abs(s) // n
    return q if s >= 0 else -q


def var(sq, s, n, samp):
    if not n or (samp and n < 2):
        return None
    return (sq - s * s / n) / (n - 1 if samp else n)


def stddev(sq, s, n, samp):
    x = var(sq, s, n, samp)
    return None if x is None else max(x, 0.0) ** 0.5


# An aggregate: (sluice text, SQLite expressions, converter of their values, column type).
# Types: int, dec (text, exact), str, ts (text), dbl (tolerance).
AGGS = [
    ("COUNT(*)", ["COUNT(*)"], None, "int"),
    ("COUNT(v)", ["COUNT(v)"], None, "int"),
    ("COUNT(DISTINCT k)", ["COUNT(DISTINCT k)"], None, "int"),
    ("COUNT(DISTINCT v)", ["COUNT(DISTINCT v)"], None, "int"),
    ("SUM(v)", ["SUM(v)"], None, "int"),
    ("SUM(d)", ["SUM(dc)"], dec_text, "dec"),
    ("AVG(d)", ["SUM(dc)", "COUNT(dc)"], avg_dec, "dec"),
    ("AVG(v)", ["SUM(v)", "COUNT(v)"], avg_int, "int"),
    ("MIN(v)", ["MIN(v)"], None, "int"),
    ("MAX(v)", ["MAX(v)"], None, "int"),
    ("MIN(d)", ["MIN(dc)"], dec_text, "dec"),
    ("MAX(d)", ["MAX(dc)"], dec_text, "dec"),
    ("MIN(s)", ["MIN(s)"], None, "str"),
    ("MAX(s)", ["MAX(s)"], None, "str"),
    ("COUNT(*) FILTER (WHERE v > 0)", ["COUNT(*) FILTER (WHERE v > 0)"], None, "int"),
    ("SUM(d) FILTER (WHERE s LIKE 'a%')", ["SUM(dc) FILTER (WHERE s LIKE 'a%')"], dec_text, "dec"),
    ("MAX(v) FILTER (WHERE d < 0)", ["MAX(v) FILTER (WHERE dc < 0)"], None, "int"),
    ("AVG(CAST(v AS DOUBLE))", ["AVG(v)"], None, "dbl"),
    ("STDDEV_POP(CAST(v AS DOUBLE))", ["SUM(1.0*v*v)", "SUM(1.0*v)", "COUNT(v)"],
     lambda a, b, c: stddev(a, b, c, False), "dbl"),
    ("VAR_SAMP(CAST(v AS DOUBLE))", ["SUM(1.0*v*v)", "SUM(1.0*v)", "COUNT(v)"],
     lambda a, b, c: var(a, b, c, True), "dbl"),
    ("VAR_POP(CAST(v AS DOUBLE))", ["SUM(1.0*v*v)", "SUM(1.0*v)", "COUNT(v)"],
     lambda a, b, c: var(a, b, c, False), "dbl"),
    ("STDDEV_SAMP(CAST(v AS DOUBLE))", ["SUM(1.0*v*v)", "SUM(1.0*v)", "COUNT(v)"],
     lambda a, b, c: stddev(a, b, c, True), "dbl"),
]
# what OVER supports in both (sliding frames)
OVER_AGGS = [a for a in AGGS if a[0] in ("COUNT(*)", "COUNT(v)", "SUM(v)", "SUM(d)", "MIN(v)",
                                          "MAX(v)", "MAX(s)", "AVG(d)")]
HAVINGS = [("COUNT(*) > 1", "COUNT(*) > 1"), ("SUM(v) > 0", "SUM(v) > 0"),
           ("MAX(d) >= 0", "MAX(dc) >= 0")]


# FIRST_VALUE, LAST_VALUE and LISTAGG follow arrival (file) order and skip NULLs, as Flink's;
# SQLite has no ordered aggregate here, so these three are small Python aggregates over
# (id, value): the first or last non-NULL value by id, the non-NULL values joined in id order.
class FirstNonNull:
    def __init__(self):
        self.best = None

    def step(self, i, v):
        if v is not None and (self.best is None or i < self.best[0]):
            self.best = (i, v)

    def finalize(self):
        return None if self.best is None else self.best[1]


class LastNonNull(FirstNonNull):
    def step(self, i, v):
        if v is not None and (self.best is None or i > self.best[0]):
            self.best = (i, v)


class ListAgg:
    def __init__(self):
        self.items, self.sep = [], ","

    def step(self, i, v, sep):
        self.sep = sep
        if v is not None:
            self.items.append((i, v))

    def finalize(self):
        return self.sep.join(v for _, v in sorted(self.items)) if self.items else None


ORDERED_AGGS = [
    ("FIRST_VALUE(v)", ["first_nn(id, v)"], None, "int"),
    ("LAST_VALUE(d)", ["last_nn(id, dc)"], dec_text, "dec"),
    ("LAST_VALUE(s)", ["last_nn(id, s)"], None, "str"),
    ("LISTAGG(s, '-')", ["listagg_ord(id, s, '-')"], None, "str"),
]


class Query:
    """fl: sluice SELECT; sq: SQLite SELECT; cols: [(type, n SQLite columns, converter)];
    late: drops late rows (compared without them, dead-letters them); mode: append (a JSON
    file sink), batch (a JSON sink in a batch-mode job) or changelog (print, applied)."""

    def __init__(self, kind, fl, sq, cols, late, mode="append"):
        self.kind, self.fl, self.sq, self.cols, self.late, self.mode = kind, fl, sq, cols, late, mode


def pick_aggs(pool, lo=2, hi=6):
    return rnd.sample(pool, rnd.randint(lo, min(hi, len(pool))))


def agg_lists(aggs):
    fl = ", ".join("%s AS a%d" % (a[0], i) for i, a in enumerate(aggs))
    sq = ", ".join(e for a in aggs for e in a[1])
    cols = [(a[3], len(a[1]), a[2]) for a in aggs]
    return fl, sq, cols


C_TS = ("ts", 1, ts_text)
C_TIME = ("ts", 1, lambda ms: ts_text(ms - 1))  # window_time = end - 1
C_KEY = ("str", 1, None)
C_INT = ("int", 1, None)


def having():
    if rnd.random() < 0.35:
        h = rnd.choice(HAVINGS)
        return " HAVING " + h[0], " HAVING " + h[1]
    return "", ""


def win_tvf(w):
    """(sluice TVF text, SQLite FROM producing t's columns plus ws, we)."""
    kind = w[0]
    if kind == "TUMBLE":
        _, size, off = w
        fl = "TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '%d' SECOND%s))" % (
            size // 1000, ", INTERVAL '%d' SECOND" % (off // 1000) if off else "")
        sq = ("(SELECT *, ((tsm - %d) / %d) * %d + %d AS ws, ((tsm - %d) / %d) * %d + %d + %d AS we"
              " FROM t)" % (off, size, size, off, off, size, size, off, size))
        return fl, sq
    if kind == "HOP":
        _, slide, size, off = w
        fl = "TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '%d' SECOND, INTERVAL '%d' SECOND%s))" % (
            slide // 1000, size // 1000, ", INTERVAL '%d' SECOND" % (off // 1000) if off else "")
        last = "(((tsm - %d) / %d) * %d + %d)" % (off, slide, slide, off)
        sq = ("(SELECT * FROM (SELECT t.*, %s - nums.j * %d AS ws, %s - nums.j * %d + %d AS we "
              "FROM t, nums WHERE nums.j <= %d) WHERE we > tsm)" %
              (last, slide, last, slide, size, size // slide + 1))
        return fl, sq
    if kind == "CUMULATE":
        _, step, size, off = w
        fl = ("TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), INTERVAL '%d' SECOND, INTERVAL '%d' SECOND%s))"
              % (step // 1000, size // 1000, ", INTERVAL '%d' SECOND" % (off // 1000) if off else ""))
        start = "(((tsm - %d) / %d) * %d + %d)" % (off, size, size, off)
        sq = ("(SELECT * FROM (SELECT t.*, %s AS ws, %s + nums.j * %d AS we FROM t, nums "
              "WHERE nums.j BETWEEN 1 AND %d) WHERE we > tsm)" % (start, start, step, size // step))
        return fl, sq
    raise ValueError(kind)


def rand_window():
    kind = rnd.choice(["TUMBLE", "HOP", "CUMULATE"])
    if kind == "TUMBLE":
        size = rnd.choice([1, 2, 5, 10, 60]) * 1000
        off = rnd.choice([0, 0, 0, 1000 * rnd.randint(1, size // 1000)]) % size
        return ("TUMBLE", size, off)
    if kind == "HOP":
        slide = rnd.choice([1, 2, 5]) * 1000
        size = slide * rnd.randint(2, 5)
        if rnd.random() < 0.2:  # an extension: size not a multiple of the slide
            size = slide * rnd.randint(2, 4) + 1000
        off = rnd.choice([0, 0, 0, slide // 2 // 1000 * 1000])
        return ("HOP", slide, size, off)
    step = rnd.choice([1, 2, 5]) * 1000
    size = step * rnd.randint(2, 6)
    off = rnd.choice([0, 0, 0, 1000])
    return ("CUMULATE", step, size, off)


def q_window_agg(kind):
    while True:
        w = rand_window()
        if w[0] == kind:
            break
    fl_tvf, sq_from = win_tvf(w)
    # arrival-order aggregates only where a window is one slice (HOP and CUMULATE merge slices)
    aggs = pick_aggs(AGGS + (ORDERED_AGGS if kind == "TUMBLE" else []))
    fa, sa, cols = agg_lists(aggs)
    hf, hs = having()
    keyed = rnd.random() < 0.8
    kf = "k, " if keyed else ""
    fl = "SELECT %swindow_start, window_end, window_time, %s FROM %s GROUP BY %swindow_start, window_end%s" % (
        kf, fa, fl_tvf, kf, hf)
    sq = "SELECT %sws, we, we, %s FROM %s GROUP BY %sws, we%s" % (kf, sa, sq_from, kf, hs)
    return Query(w[0].lower(), fl, sq, ([C_KEY] if keyed else []) + [C_TS, C_TS, C_TIME] + cols, True)


def session_sq(gap, part=True):
    pk, pks = ("k", "PARTITION BY k ") if part else ("0", "")
    return ("(SELECT *, MIN(tsm) OVER (PARTITION BY %s, sid) AS ws, MAX(tsm) OVER (PARTITION BY %s, sid) + %d AS we "
            "FROM (SELECT *, SUM(nw) OVER (%sORDER BY tsm ROWS UNBOUNDED PRECEDING) AS sid FROM "
            "(SELECT *, CASE WHEN tsm - LAG(tsm) OVER (%sORDER BY tsm) <= %d THEN 0 ELSE 1 END "
            "AS nw FROM t)))" % (pk, pk, gap, pks, pks, gap))


def py_sessions(rows, gap, part):
    """{id: (ws, we)}: the sessions of the rows per partition (k, or one for all), computed in
    Python: sorted by time, a new session wherever two neighbours are more than gap apart."""
    byp = collections.defaultdict(list)
    for r in rows:
        byp[r["k"] if part else 0].append((r["tsm"], r["id"]))
    out = {}
    for tss in byp.values():
        tss.sort()
        i = 0
        while i < len(tss):
            j = i
            while j + 1 < len(tss) and tss[j + 1][0] - tss[j][0] <= gap:
                j += 1
            for _, rid in tss[i:j + 1]:
                out[rid] = (tss[i][0], tss[j][0] + gap)
            i = j + 1
    return out


def q_session():
    gap = rnd.choice([1, 2, 5, 10]) * 1000
    aggs = pick_aggs(AGGS)
    fa, sa, cols = agg_lists(aggs)
    hf, hs = having()
    fl = ("SELECT k, window_start, window_end, window_time, %s FROM TABLE(SESSION(TABLE t PARTITION BY k, "
          "DESCRIPTOR(ts), INTERVAL '%d' SECOND)) GROUP BY k, window_start, window_end%s" % (fa, gap // 1000, hf))
    sq = "SELECT k, ws, we, we, %s FROM %s GROUP BY k, ws, we%s" % (sa, session_sq(gap), hs)
    return Query("session", fl, sq, [C_KEY, C_TS, C_TS, C_TIME] + cols, True)


def q_session_tvf():
    """The SESSION TVF on its own: every on-time row with its session's bounds; the oracle is
    Python (py_sessions), not SQLite."""
    gap = rnd.choice([1, 2, 5, 10]) * 1000
    part = rnd.random() < 0.7
    fl = ("SELECT id, k, v, window_start, window_end, window_time FROM TABLE(SESSION(TABLE t%s, "
          "DESCRIPTOR(ts), INTERVAL '%d' SECOND))" % (" PARTITION BY k" if part else "", gap // 1000))
    q = Query("session_tvf", fl, "(python: sessions per %s, gap %d ms)" % ("k" if part else "stream", gap),
              [C_INT, C_KEY, C_INT, C_TS, C_TS, C_TIME], True)

    def oracle(rows):
        ses = py_sessions(rows, gap, part)
        return [(r["id"], r["k"], r["v"], ts_text(ses[r["id"]][0]), ts_text(ses[r["id"]][1]),
                 ts_text(ses[r["id"]][1] - 1)) for r in rows]
    q.py = oracle
    return q


def q_legacy():
    aggs = pick_aggs(AGGS, 1, 4)
    fa, sa, cols = agg_lists(aggs)
    form = rnd.choice(["TUMBLE", "HOP", "SESSION"])
    if form == "TUMBLE":
        size = rnd.choice([1, 5, 10]) * 1000
        iv = "INTERVAL '%d' SECOND" % (size // 1000)
        fl = ("SELECT k, TUMBLE_START(ts, %s) AS ws, TUMBLE_END(ts, %s) AS we, TUMBLE_ROWTIME(ts, %s) AS wt, %s "
              "FROM t GROUP BY k, TUMBLE(ts, %s)" % (iv, iv, iv, fa, iv))
        _, sq_from = win_tvf(("TUMBLE", size, 0))
    elif form == "HOP":
        slide = rnd.choice([1, 2]) * 1000
        size = slide * rnd.randint(2, 4)
        a = "INTERVAL '%d' SECOND, INTERVAL '%d' SECOND" % (slide // 1000, size // 1000)
        fl = ("SELECT k, HOP_START(ts, %s) AS ws, HOP_END(ts, %s) AS we, HOP_ROWTIME(ts, %s) AS wt, %s "
              "FROM t GROUP BY k, HOP(ts, %s)" % (a, a, a, fa, a))
        _, sq_from = win_tvf(("HOP", slide, size, 0))
    else:
        gap = rnd.choice([1, 5]) * 1000
        iv = "INTERVAL '%d' SECOND" % (gap // 1000)
        fl = ("SELECT k, SESSION_START(ts, %s) AS ws, SESSION_END(ts, %s) AS we, SESSION_ROWTIME(ts, %s) AS wt, %s "
              "FROM t GROUP BY k, SESSION(ts, %s)" % (iv, iv, iv, fa, iv))
        sq_from = session_sq(gap)
    sq = "SELECT k, ws, we, we, %s FROM %s GROUP BY k, ws, we" % (sa, sq_from)
    return Query("legacy", fl, sq, [C_KEY, C_TS, C_TS, C_TIME] + cols, True)


def q_tvf_alone():
    w = rand_window()
    fl_tvf, sq_from = win_tvf(w)
    fl = "SELECT id, k, v, window_start, window_end, window_time FROM %s" % fl_tvf
    sq = "SELECT id, k, v, ws, we, we FROM %s" % sq_from
    return Query("tvf", fl, sq, [C_INT, C_KEY, C_INT, C_TS, C_TS, C_TIME], False)


def order_pair(col, desc):
    """ORDER BY col [DESC] with NULLs last (stated, so that no default decides) in both."""
    sqcol = {"ts": "tsm", "d": "dc"}.get(col, col)
    dd = " DESC" if desc else ""
    return "%s%s NULLS LAST" % (col, dd), "%s%s NULLS LAST" % (sqcol, dd)


def q_window_topn():
    w = rand_window()
    fl_tvf, sq_from = win_tvf(w)
    n = rnd.randint(1, 3)
    if rnd.random() < 0.5:  # top-N of rows per window (and key)
        col, desc = rnd.choice([("v", True), ("v", False), ("d", True), ("ts", False), ("ts", True)])
        of, os_ = order_pair(col, desc)
        part = rnd.choice(["", "k, "])
        fl = ("SELECT window_start, window_end, k, id, v, rn FROM (SELECT window_start, window_end, k, id, v, "
              "ROW_NUMBER() OVER (PARTITION BY window_start, window_end%s ORDER BY %s) AS rn FROM %s) WHERE rn <= %d"
              % ((", " + part.rstrip(", ")) if part else "", of, fl_tvf, n))
        sq = ("SELECT ws, we, k, id, v, rn FROM (SELECT ws, we, k, id, v, ROW_NUMBER() OVER (PARTITION BY ws, we%s "
              "ORDER BY %s, id) AS rn FROM %s) WHERE rn <= %d"
              % ((", " + part.rstrip(", ")) if part else "", os_, sq_from, n))
        return Query("window_topn", fl, sq, [C_TS, C_TS, C_KEY, C_INT, C_INT, C_INT], True)
    # top-N over a window aggregate (Flink's documentation example)
    fl = ("SELECT window_start, window_end, k, cnt, sv, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY "
          "window_start, window_end ORDER BY cnt DESC) AS rn FROM (SELECT window_start, window_end, k, COUNT(*) AS cnt, "
          "SUM(v) AS sv FROM %s GROUP BY window_start, window_end, k)) WHERE rn <= %d" % (fl_tvf, n))
    # the aggregate's rows reach the rank in an order sluice chooses: ties on cnt are broken
    # by the key here and the comparison takes the set of (window, rank) positions' counts
    sq = ("SELECT ws, we, k, cnt, sv, rn FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY ws, we ORDER BY cnt DESC, k) "
          "AS rn FROM (SELECT ws, we, k, COUNT(*) AS cnt, SUM(v) AS sv FROM %s GROUP BY ws, we, k)) WHERE rn <= %d"
          % (sq_from, n))
    q = Query("window_topn", fl, sq, [C_TS, C_TS, C_KEY, C_INT, C_INT, C_INT], True)
    q.ties = True  # compare (window, rn, cnt) only: equal counts may come in any order
    return q


def q_window_dedup():
    w = rand_window()
    fl_tvf, sq_from = win_tvf(w)
    desc = rnd.random() < 0.5
    fl = ("SELECT window_start, window_end, k, id, v FROM (SELECT window_start, window_end, k, id, v, "
          "ROW_NUMBER() OVER (PARTITION BY window_start, window_end, k ORDER BY ts%s) AS rn FROM %s) WHERE rn = 1"
          % (" DESC" if desc else "", fl_tvf))
    sq = ("SELECT ws, we, k, id, v FROM (SELECT ws, we, k, id, v, ROW_NUMBER() OVER (PARTITION BY ws, we, k "
          "ORDER BY tsm%s) AS rn FROM %s) WHERE rn = 1" % (" DESC" if desc else "", sq_from))
    return Query("window_dedup", fl, sq, [C_TS, C_TS, C_KEY, C_INT, C_INT], True)


def q_over():
    aggs = pick_aggs(OVER_AGGS, 1, 4)
    if rnd.random() < 0.5:
        secs = rnd.choice([1, 5, 10, 60])
        ff = "RANGE BETWEEN INTERVAL '%d' SECOND PRECEDING AND CURRENT ROW" % secs
        fs = "RANGE BETWEEN %d PRECEDING AND CURRENT ROW" % (secs * 1000)
    else:
        n = rnd.choice([0, 1, 3, 10])
        ff = fs = "ROWS BETWEEN %d PRECEDING AND CURRENT ROW" % n
    if rnd.random() < 0.15:
        ff = fs = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
    part = rnd.random() < 0.85
    pf = "PARTITION BY k " if part else ""
    fl = ", ".join("%s OVER (%sORDER BY ts %s) AS a%d" % (a[0], pf, ff, i) for i, a in enumerate(aggs))
    sq = ", ".join("%s OVER (%sORDER BY tsm %s)" % (e, pf, fs) for a in aggs for e in a[1])
    cols = [(a[3], len(a[1]), a[2]) for a in aggs]
    return Query("over", "SELECT id, k, %s FROM t" % fl, "SELECT id, k, %s FROM t" % sq,
                 [C_INT, C_KEY] + cols, True)


def q_group(mode):
    aggs = pick_aggs(AGGS + ORDERED_AGGS)
    fa, sa, cols = agg_lists(aggs)
    hf, hs = having()
    keyed = rnd.random() < 0.85
    if keyed:
        fl = "SELECT k, %s FROM t GROUP BY k%s" % (fa, hf)
        sq = "SELECT k, %s FROM t GROUP BY k%s" % (sa, hs)
    else:  # a global aggregate (over a non-empty input it has one row)
        fl = "SELECT %s FROM t%s" % (fa, hf)
        sq = "SELECT %s FROM t%s" % (sa, hs)
    return Query("group_" + mode, fl, sq, ([C_KEY] if keyed else []) + cols, False, mode)


def q_topn(mode):
    n = rnd.randint(1, 3)
    col, desc = rnd.choice([("v", True), ("v", False), ("d", False), ("s", True)])
    of, os_ = order_pair(col, desc)
    fl = ("SELECT k, id, v, rn FROM (SELECT k, id, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY %s) AS rn "
          "FROM t) WHERE rn <= %d" % (of, n))
    sq = ("SELECT k, id, v, rn FROM (SELECT k, id, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY %s, id) AS rn "
          "FROM t) WHERE rn <= %d" % (os_, n))
    return Query("topn_" + mode, fl, sq, [C_KEY, C_INT, C_INT, C_INT], False, mode)


def q_dedup(mode):
    desc = rnd.random() < 0.5
    fl = ("SELECT k, id, v FROM (SELECT k, id, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts%s) AS rn "
          "FROM t) WHERE rn = 1" % (" DESC" if desc else ""))
    sq = ("SELECT k, id, v FROM (SELECT k, id, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY tsm%s) AS rn "
          "FROM t) WHERE rn = 1" % (" DESC" if desc else ""))
    return Query("dedup_" + mode, fl, sq, [C_KEY, C_INT, C_INT], False, mode)


KINDS = {
    "tumble": lambda: q_kind_window("TUMBLE"),
    "hop": lambda: q_kind_window("HOP"),
    "cumulate": lambda: q_kind_window("CUMULATE"),
    "session": q_session,
    "legacy": q_legacy,
    "tvf": q_tvf_alone,
    "session_tvf": q_session_tvf,
    "window_topn": q_window_topn,
    "window_dedup": q_window_dedup,
    "over": q_over,
    "group_batch": lambda: q_group("batch"),
    "group_changelog": lambda: q_group("changelog"),
    "topn_batch": lambda: q_topn("batch"),
    "topn_changelog": lambda: q_topn("changelog"),
    "dedup_batch": lambda: q_dedup("batch"),
    "dedup_changelog": lambda: q_dedup("changelog"),
}


def q_kind_window(kind):
    return q_window_agg(kind)
