#!/usr/bin/env bash
# Differential test of every join type against SQLite (python3's sqlite3): random small tables
# (keys from a small domain with NULLs: ints, strings, timestamps; duplicate rows) and a random
# join of one kind per case (regular INNER/LEFT/RIGHT/FULL with residual conditions, CROSS,
# SEMI/ANTI via IN / NOT IN / EXISTS / NOT EXISTS, three-table chains, joins over GROUP BY
# results, some in batch mode; interval joins; TUMBLE/HOP/CUMULATE window joins incl. SEMI and
# ANTI; lookup joins against a bounded dimension with and without a PRIMARY KEY; temporal joins
# against a versioned table), each at a random batch size (1, 7, 1024), compared with the same
# join in SQLite: the final table of the changelog-json output, or the emitted rows where the
# result is append-only. What the oracle encodes is described in diff_join.py.
# Prints the seed; SEED=N replays a run (and each failure prints the command replaying that one
# case); SLUICE_DIFF_CASES=N sets the number of cases (default 1500, 1000 for the ASan+UBSan
# build: about 25 ms a case there against 20 ms plain); SLUICE_DIFF_KINDS=a,b runs only those kinds (also
# kinds listed as disabled in diff_join_gen.py).
set -u
S=${SLUICE:?}
cd "${ROOT:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "seed $SEED"
python3 tests/e2e/diff_join.py "$S" "$T" --seed "$SEED" --cases 40 --oracle-only || exit 1
cases=1500
case "$S" in */asan/*) cases=1000 ;; esac
python3 tests/e2e/diff_join.py "$S" "$T" --seed "$SEED" --cases "${SLUICE_DIFF_CASES:-$cases}"
