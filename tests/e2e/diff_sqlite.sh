#!/usr/bin/env bash
# Differential test against SQLite (python3's sqlite3): ~200 random filter/projection queries
# over random rows with NULLs, through sluice and SQLite, compared as multisets of rows. The
# grammar and the semantic differences it leaves out are described in diff_sqlite.py.
# Prints the seed; SEED=N replays a run, ONLY=N runs just query N, QUERIES=N sets the count.
set -u
S=${SLUICE:?}
cd "${ROOT:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "seed $SEED"
python3 tests/e2e/diff_sqlite.py "$S" "$T" "$SEED" "${QUERIES:-200}" "${ONLY:-}"
