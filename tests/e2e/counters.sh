#!/usr/bin/env bash
# End-to-end counters on random input at batch sizes 1, 7 and 1024: records = rows written +
# filtered + dead-lettered, every count and row as computed independently by counters.py, the
# same output at every size. Prints the seed; SEED=N replays a run.
set -u
S=${SLUICE:?}
cd "${ROOT:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "seed $SEED"
python3 tests/e2e/counters.py "$S" "$T" "$SEED" 1 7 1024
