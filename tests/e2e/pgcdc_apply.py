#!/usr/bin/env python3
"""pgcdc_apply.py - applies changelogs printed by sluice's print sink ("+I[1, 5, abc]") in
order, as an upsert by the first column, and prints the materialised table as psql's unaligned
rows (id|ver|name) sorted by id. Used by pgcdc_stream.sh; not a test itself."""
import sys

state = {}
for path in sys.argv[1:]:
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if len(line) < 4 or line[2] != "[" or not line.endswith("]"):
                continue
            kind, cells = line[:2], line[3:-1].split(", ")
            key = int(cells[0])
            if kind in ("+I", "+U"):
                state[key] = "|".join(cells)
            elif kind == "-D":
                state.pop(key, None)
for k in sorted(state):
    print(state[k])
