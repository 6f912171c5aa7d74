#!/usr/bin/env python3
"""compare.py BATCH.jsonl STREAM.jsonl KEYS [WINDOW_COLUMN DAY]

Compares the batch job's output table (exported from PostgreSQL as JSON lines) with the
migrated pipeline's (sluice's JSON lines sink) key by key. Numbers compare as exact decimals
(1 = 1.0 = 1.00), timestamps with or without 'T' and trailing zero milliseconds alike. With a
window column, the stream's rows are first restricted to windows of DAY (the batch job computes
yesterday only; the stream computes every day): per window, both must agree. Exit 0 equal,
1 different (the differences are printed)."""
import json, re, sys
from decimal import Decimal

TS = re.compile(r'^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(\.\d+)?$')


def norm(v):
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return Decimal(str(v)).normalize()
    if isinstance(v, str):
        m = TS.match(v)
        if m:
            frac = (m.group(3) or '').rstrip('0').rstrip('.')
            return m.group(1) + ' ' + m.group(2) + frac
    return v


def load(path):
    rows = []
    with open(path) as f:
        for line in f:
            if line.strip():
                rows.append({k.lower(): norm(v) for k, v in json.loads(line).items()})
    return rows


def main():
    batch, stream, keys = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3].split(',')
    if len(sys.argv) > 5:
        col, day = sys.argv[4], sys.argv[5]
        outside = [r for r in batch if not str(r[col]).startswith(day)]
        if outside:
            print('batch rows outside %s: %s' % (day, outside[:3]))
            return 1
        stream = [r for r in stream if str(r[col]).startswith(day)]
    if not batch:
        print('the batch job wrote no rows: nothing is compared')
        return 1
    diffs = []
    idx = {}
    for side, rows in (('batch', batch), ('stream', stream)):
        d = {}
        for r in rows:
            k = tuple(str(r.get(c)) for c in keys)
            if k in d:
                diffs.append('%s: duplicate key %s' % (side, k))
            d[k] = r
        idx[side] = d
    for k, r in idx['batch'].items():
        s = idx['stream'].get(k)
        if s is None:
            diffs.append('missing in the stream: %s' % (r,))
            continue
        for c, v in r.items():
            if s.get(c) != v:
                diffs.append('key %s column %s: batch %r, stream %r' % (k, c, v, s.get(c)))
    for k, s in idx['stream'].items():
        if k not in idx['batch']:
            diffs.append('extra in the stream: %s' % (s,))
    for d in diffs[:20]:
        print(d)
    print('%d batch rows, %d stream rows, %d differences' % (len(batch), len(stream), len(diffs)))
    return 1 if diffs else 0


sys.exit(main())
