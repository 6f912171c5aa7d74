#!/usr/bin/env bash
# `sluice inventory` lineage of PostgreSQL SQL: every case of tests/inventory/lineage/*.case
# (SQL in, tables read and written out, unparsed statements with their lines) must pass; the
# known gaps (==!) are counted and reported, not failed.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
out=$(bash "$ROOT/tests/inventory/lineage.sh" "${SLUICE:?}") || { echo "$out"; exit 1; }
echo "$out" | tail -1
echo "$out" | grep -q '^lineage: [0-9]* passed, 0 failed' || { echo "$out"; exit 1; }
