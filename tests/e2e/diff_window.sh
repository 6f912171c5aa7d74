#!/usr/bin/env bash
# Differential test of the event-time operators against SQLite (python3's sqlite3): random
# event streams, out of order within the watermark bound and with a few definitely-late rows,
# through TUMBLE/HOP/CUMULATE/SESSION window aggregates, the legacy GROUP BY windows, window
# TVFs alone, window top-N and dedup, OVER RANGE/ROWS, GROUP BY, top-N and dedup (batch mode
# and changelogs applied from print), compared with the same queries in SQLite on the same rows
# (windows as integer division of epoch millis); late rows must be in the dead-letter file.
# The semantics the oracle encodes are described in diff_window.py.
# Prints the seed; SEED=N replays a run; SLUICE_DIFF_CASES=N sets the number of cases (default
# 2000, 25 queries per stream; 500 for the ASan+UBSan build, which is several times slower);
# SLUICE_DIFF_KINDS=tumble,over runs only those kinds; SLUICE_DIFF_STRICT=0 skips a kind sluice
# rejects as not supported instead of failing.
set -u
S=${SLUICE:?}
cd "${ROOT:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "seed $SEED"
python3 tests/e2e/diff_window.py "$S" "$T" "$SEED" 3 --oracle-only || exit 1
cases=2000
case "$S" in */asan/*) cases=500 ;; esac
python3 tests/e2e/diff_window.py "$S" "$T" "$SEED" "${SLUICE_DIFF_CASES:-$cases}"
