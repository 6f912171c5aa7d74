#!/usr/bin/env bash
# Runs SQL cases (tests/sql/*.test) by name and shows failures: tests/sql_case.sh NAME...
# With no names, runs them all. Uses build/sluice (SLUICE=... to choose another binary).
cd "$(dirname "$0")/.."
ROOT=$(pwd); PASS=0; FAIL=0; FAILED=(); VARIANT=""; VERBOSE=1
SLUICE=${SLUICE:-$ROOT/build/sluice}
source <(sed -n '/^ok()/,/^run_error_case()/p' tests/run.sh | head -n -1)
if [ $# -eq 0 ]; then set -- tests/sql/*.test; fi
for t in "$@"; do [ -f "$t" ] || t=tests/sql/$t.test; run_sql_case "$t"; done
echo "$PASS passed, $FAIL failed"
