#!/usr/bin/env bash
# The whole test suite, run twice: with the normal build and with the ASan+UBSan build.
# Ends with "N passed, N failed". Each group is data-driven where it can be:
#   unit     build/test_unit (tests/unit/*.c mirror src/)
#   sql      tests/sql/*.test: files, a pipeline and the expected outputs, no C needed
#   errors   tests/errors/*.sql with the exact expected message in *.err
#   e2e      tests/e2e/*.sh: CLI behaviour (exit codes, --set, env, explain, DLQ ...)
#   docs     every example in docs/*.md that is followed by its expected output
#   fuzz     the fuzz corpora replayed through the fuzz targets
#   jsondiff the JSON decoder against jansson on generated and tricky records
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PASS=0
FAIL=0
FAILED=()
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99

ok() { PASS=$((PASS + 1)); [ -n "${VERBOSE:-}" ] && echo "ok   $1"; return 0; }
bad() {
  FAIL=$((FAIL + 1)); FAILED+=("$1"); echo "FAIL $1"
  [ -n "${2:-}" ] && echo "$2" | head -n 40 | sed 's/^/     /'
  return 0
}

# run_sql_case FILE: split the .test sections into a temp dir, run, compare.
run_sql_case() {
  local t=$1 name dir
  name="sql/$(basename "$t" .test)$VARIANT"
  dir=$(mktemp -d)
  awk -v dir="$dir" '
    /^--- / {
      if (out) close(out)
      kind = $2; arg = $3
      if (kind == "file") out = dir "/" arg
      else if (kind == "pipeline") out = dir "/pipeline.sql"
      else if (kind == "expect") { system("mkdir -p " dir "/.expect"); out = dir "/.expect/" arg }
      else if (kind == "exit") { print arg > (dir "/.exit"); close(dir "/.exit"); out = "" }
      else if (kind == "args") { sub(/^--- args /, ""); print > (dir "/.args"); close(dir "/.args"); out = "" }
      else out = ""
      if (out != "") { d = out; sub(/\/[^\/]*$/, "", d); system("mkdir -p \"" d "\""); printf "" > out }
      next
    }
    out != "" { print >> out }
  ' "$t"
  local want_exit=0 args=""
  [ -f "$dir/.exit" ] && want_exit=$(cat "$dir/.exit")
  [ -f "$dir/.args" ] && args=$(cat "$dir/.args")
  (cd "$dir" && eval "\"$SLUICE\" run pipeline.sql -q $args" >.stdout 2>.stderr)
  local rc=$? msg=""
  [ "$rc" = "$want_exit" ] || msg="exit $rc, expected $want_exit: $(cat "$dir/.stderr")"
  if [ -z "$msg" ] && [ -d "$dir/.expect" ]; then
    while IFS= read -r f; do
      local b; b=${f#"$dir"/.expect/}
      local actual="$dir/$b"
      [ "$b" = "stdout" ] && actual="$dir/.stdout"
      [ "$b" = "stderr" ] && actual="$dir/.stderr"
      if [ ! -f "$actual" ]; then msg="missing output $b"; break; fi
      if ! diff -u "$f" "$actual" >"$dir/.diff" 2>&1; then msg="$b differs:
$(cat "$dir/.diff")"; break; fi
    done < <(find "$dir/.expect" -type f | sort)
  fi
  if [ -z "$msg" ]; then ok "$name"; else bad "$name" "$msg"; fi
  rm -rf "$dir"
}

run_error_case() {
  local t=$1 name want got rc
  name="errors/$(basename "$t" .sql)$VARIANT"
  want="${t%.sql}.err"
  got=$(cd tests/errors && "$SLUICE" validate "$(basename "$t")" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" != 2 ]; then bad "$name" "exit $rc, expected 2: $got"; return; fi
  if [ "$got" == "$(cat "$want")" ]; then ok "$name"; else bad "$name" "$(diff <(echo "$got") "$want")"; fi
}

run_suite() {
  local SLUICE=$ROOT/$1 UNIT=$ROOT/$2 DIFF=$ROOT/$3 FUZZDIR=$ROOT/$4
  VARIANT=$5
  export SLUICE
  if out=$("$UNIT" 2>&1); then ok "unit$VARIANT"; else bad "unit$VARIANT" "$out"; fi
  for t in tests/sql/*.test; do run_sql_case "$t"; done
  for t in tests/errors/*.sql; do run_error_case "$t"; done
  for t in tests/e2e/*.sh; do
    if out=$(SLUICE="$SLUICE" ROOT="$ROOT" bash "$t" 2>&1); then ok "e2e/$(basename "$t" .sh)$VARIANT"
    else bad "e2e/$(basename "$t" .sh)$VARIANT" "$out"; fi
  done
  if out=$(SLUICE="$SLUICE" bash tests/docs_examples.sh 2>&1); then ok "docs$VARIANT"; else bad "docs$VARIANT" "$out"; fi
  for fz in sql json csv expr; do
    if out=$("$FUZZDIR/fuzz_replay_$fz" tests/fuzz/corpus/$fz 2>&1); then ok "fuzz-replay/$fz$VARIANT"
    else bad "fuzz-replay/$fz$VARIANT" "$out"; fi
  done
  if out=$("$DIFF" 2>&1); then ok "jsondiff$VARIANT"; else bad "jsondiff$VARIANT" "$out"; fi
}

run_suite build/sluice build/test_unit build/test_json_diff build ""
run_suite build/asan/sluice build/asan/test_unit build/asan/test_json_diff build/asan " (asan)"

if [ "$FAIL" -gt 0 ]; then
  echo "failed:"; printf '  %s\n' "${FAILED[@]}"
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
