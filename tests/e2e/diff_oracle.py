"""Random differential test of `sluice diff` against a Python oracle, in memory and forced to
hash-partition with a tiny --memory (the two reports must be the same).
usage: diff_oracle.py SLUICE TMPDIR SEED ROWS"""
import json, random, subprocess, sys
from decimal import Decimal

sluice, t, seed, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(seed)
def num_text(d):  # the same value written differently
    return rnd.choice([str(d), str(d) + "0" if "." in str(d) else str(d) + ".0", "%se0" % d])
left, right, lrows, rrows = {}, {}, [], []
for i in range(rows):
    k = (rnd.choice(["a", "b", "c", None]), rnd.randrange(rows * 4))
    v = Decimal(rnd.randrange(-10000, 10000)) / 100
    s = rnd.choice(["x", "", None, "y"])
    lrows.append((k, v, s))
    r = rnd.random()
    if r < 0.05: continue                      # missing
    if r < 0.10: v = v + Decimal("0.01")       # differing value
    elif r < 0.12: s = "z"                     # differing string
    rrows.append((k, v, s))
for _ in range(rows // 20):                    # extra (or duplicate) rows
    rrows.append(((rnd.choice(["a", "d"]), rnd.randrange(rows)), Decimal(1), "x"))
rnd.shuffle(rrows)
def enc(k, v, s):
    return '{"g": %s, "n": %d, "v": %s, "s": %s}' % (json.dumps(k[0]), k[1], num_text(v), json.dumps(s))
open(f"{t}/l.jsonl", "w").write("".join(enc(*r) + "\n" for r in lrows))
open(f"{t}/r.jsonl", "w").write("".join(enc(*r) + "\n" for r in rrows))
# oracle
from collections import Counter, defaultdict
lc, rc = Counter(r[0] for r in lrows), Counter(r[0] for r in rrows)
lf, rf = {}, {}
for r in lrows: lf.setdefault(r[0], r)
for r in rrows: rf.setdefault(r[0], r)
want = dict(left_rows=len(lrows), right_rows=len(rrows), matching=0, missing=0, extra=0,
            differing=0, duplicate_keys=0, null_keys=sum(1 for r in lrows + rrows if r[0][0] is None))
cols = {"v": 0, "s": 0}
for k in set(lc) | set(rc):
    if lc[k] > 1 or rc[k] > 1: want["duplicate_keys"] += 1
    elif not rc[k]: want["missing"] += 1
    elif not lc[k]: want["extra"] += 1
    else:
        dv, ds = lf[k][1] != rf[k][1], lf[k][2] != rf[k][2]
        cols["v"] += dv; cols["s"] += ds
        want["differing" if dv or ds else "matching"] += 1
want["columns"] = cols
want["equal"] = False
reports = []
for mem in ([], ["--memory", "64kb"]):
    p = subprocess.run([sluice, "diff", f"{t}/l.jsonl", f"{t}/r.jsonl", "--key", "g,n",
                        "--format", "json", "--samples", "5", *mem], capture_output=True, text=True)
    if p.returncode != 1: sys.exit(f"exit {p.returncode}: {p.stderr}")
    got = json.loads(p.stdout)
    reports.append(got)
    for k, v in want.items():
        if got[k] != v: sys.exit(f"seed {seed} memory {mem}: {k} = {got[k]}, oracle {v}")
a, b = reports
if b["partitions"] < 2: sys.exit("--memory 64kb did not partition")
for r in reports:
    for k in ("seconds", "cpu_seconds", "rows_per_second", "partitions"): r.pop(k)
if a != b: sys.exit(f"seed {seed}: the partitioned report differs from the in-memory one")
print(f"ok: {rows} rows, {want['differing']} differing, {want['duplicate_keys']} duplicate keys")
