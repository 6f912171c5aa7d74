#!/usr/bin/env bash
# Runs SQL cases (tests/sql/*.test) by name and shows failures: tests/sql_case.sh NAME...
# With no names, runs them all. Uses build/sluice (SLUICE=... to choose another binary), at each
# batch size in SQL_BATCH_SIZES (default "1 7 1024", as tests/run.sh does), then on two workers
# (SQL_PARALLEL=0 to skip).
cd "$(dirname "$0")/.."
ROOT=$(pwd); PASS=0; FAIL=0; FAILED=(); VARIANT=""; VERBOSE=1
SLUICE=${SLUICE:-$ROOT/build/sluice}
source <(sed -n '/^ok()/,/^run_error_case()/p' tests/run.sh | head -n -1)
if [ $# -eq 0 ]; then set -- tests/sql/*.test; fi
for t in "$@"; do
  [ -f "$t" ] || t=tests/sql/$t.test
  for bs in ${SQL_BATCH_SIZES:-1 7 1024}; do run_sql_case "$t" "$bs"; done
  [ "${SQL_PARALLEL:-1}" = 1 ] && run_sql_case "$t" 1024 2
done
echo "$PASS passed, $FAIL failed"
