#!/usr/bin/env bash
# DECIMAL arithmetic against an exact oracle (python3's decimal module): random operand types
# and values, every operator, through the whole binary (binder result types + evaluation).
# The oracle applies Flink's rules itself: LogicalTypeMerging's result types with the precision
# adjustment, HALF_UP to the result scale, division first rounded to 38 significant digits,
# and NULL when a result overflows its precision. SEED=... replays a run.
set -u
S=${SLUICE:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "decimal_oracle: SEED=$SEED"
cd "$T"
python3 - "$S" "$SEED" <<'PY'
import random, subprocess, sys
from decimal import Decimal, localcontext, ROUND_HALF_UP

sluice, seed = sys.argv[1], int(sys.argv[2])
rnd = random.Random(seed)
MAXP = 38

def adjust(p, s):
    if p <= MAXP:
        return p, s
    digits = p - s
    return MAXP, max(MAXP - digits, min(s, 6))

def result_type(op, t1, t2):
    (p1, s1), (p2, s2) = t1, t2
    if op in "+-":
        s = max(s1, s2)
        return adjust(max(p1 - s1, p2 - s2) + s + 1, s)
    if op == "*":
        return adjust(p1 + p2 + 1, s1 + s2)
    if op == "/":
        s = max(6, s1 + p2 + 1)
        return adjust(p1 - s1 + s2 + s, s)
    if s1 == 0 and s2 == 0:  # MOD keeps the divisor's type
        return t2
    s = max(s1, s2)
    return adjust(min(p1 - s1, p2 - s2) + s, s)

def fit(v, p, s):
    with localcontext() as c:
        c.prec = 200
        q = v.quantize(Decimal(1).scaleb(-s), rounding=ROUND_HALF_UP)
        if abs(q) >= Decimal(10) ** (p - s):
            return None
        return abs(q) if q == 0 else q

def oracle(op, a, b, rt):
    p, s = rt
    with localcontext() as c:
        c.prec = 200
        c.rounding = ROUND_HALF_UP
        if op == "+": v = a + b
        elif op == "-": v = a - b
        elif op == "*": v = a * b
        elif op == "%":
            if abs(a / b) >= Decimal(10) ** 38:
                return "*"  # Java's remainder throws here ("Division impossible")
            v = a % b
        else:
            c.prec = 38
            v = a / b
    return fit(v, p, s)

def rand_type():
    k = rnd.random()
    if k < 0.1: return ("INT", (10, 0))
    if k < 0.2: return ("BIGINT", (19, 0))
    p = rnd.choice([rnd.randint(1, 38), 38, 38, rnd.randint(17, 38)])
    s = rnd.randint(0, p)
    return ("DECIMAL(%d, %d)" % (p, s), (p, s))

def rand_value(name, t, nonzero):
    p, s = t
    if name == "INT": lim = 2**31
    elif name == "BIGINT": lim = 2**63
    else: lim = None
    while True:
        nd = rnd.choice([p, p, rnd.randint(1, p)])
        digits = "".join(rnd.choice("0123456789") for _ in range(nd))
        if rnd.random() < 0.05: digits = "0"
        v = int(digits)
        if lim is not None:
            v %= lim
        if rnd.random() < 0.5: v = -v
        if nonzero and v == 0: continue
        return Decimal(v).scaleb(-s)

def text(d, s):
    return "{:f}".format(d) if s else str(int(d))

ops = ["+", "-", "*", "/", "%"]
bad = 0
checked = 0
for case in range(12):
    n1, t1 = rand_type()
    n2, t2 = rand_type()
    while "DECIMAL" not in n1 + n2:  # integer op integer is integer arithmetic
        n2, t2 = rand_type()
    rows = []
    for _ in range(150):
        rows.append((rand_value(n1, t1, False), rand_value(n2, t2, True)))
    with open("in.csv", "w") as f:
        for a, b in rows:
            f.write("%s,%s\n" % (text(a, t1[1]), text(b, t2[1])))
    with open("p.sql", "w") as f:
        f.write("CREATE TABLE t (a %s, b %s) WITH ('connector' = 'filesystem', "
                "'path' = 'in.csv', 'format' = 'csv');\n" % (n1, n2))
        f.write("CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'o.csv', "
                "'format' = 'csv');\n")
        f.write("INSERT INTO o SELECT %s FROM t;\n" % ", ".join(
            "a %s b AS r%d" % (op, i) for i, op in enumerate(ops)))
    r = subprocess.run([sluice, "run", "p.sql", "-q"], capture_output=True, text=True)
    if r.returncode != 0:
        print("sluice failed on %s, %s: %s" % (n1, n2, r.stderr))
        sys.exit(1)
    out = open("o.csv").read().splitlines()
    if len(out) != len(rows):
        print("%d rows out, %d in (%s, %s)" % (len(out), len(rows), n1, n2))
        sys.exit(1)
    for (a, b), line in zip(rows, out):
        got = line.split(",")
        for i, op in enumerate(ops):
            rt = result_type(op, t1, t2)
            want = oracle(op, a, b, rt)
            if want == "*":
                continue
            checked += 1
            w = "" if want is None else text(want, rt[1])
            if got[i] != w:
                bad += 1
                if bad <= 10:
                    print("%s (%s) %s %s (%s): got '%s', want '%s' (result DECIMAL(%d, %d))" % (
                        text(a, t1[1]), n1, op, text(b, t2[1]), n2, got[i], w, rt[0], rt[1]))
print("decimal_oracle: %d results checked, %d wrong" % (checked, bad))
sys.exit(1 if bad else 0)
PY
