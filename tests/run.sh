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
#
# A .test file is a list of sections, each starting with a line "--- KIND [ARG]":
#   --- file PATH              an input file (PATH relative to the case's temp dir)
#   --- pipeline               the SQL, run as `sluice run pipeline.sql -q`
#   --- args ARGS...           extra command-line arguments (shell words)
#   --- exit N                 the expected exit code (default 0)
#   --- expect PATH            PATH must equal this text exactly, line for line, in order
#                              (PATH "stdout" and "stderr" name the run's own streams)
#   --- expect-unordered PATH  PATH must hold the same lines as this text, each as many times,
#                              in any order (compared as sorted multisets of lines). Use it only
#                              where SQL leaves the order open: several sources, UNION ALL of
#                              different sources, one sink written by several INSERTs. Where
#                              the order is defined (one file source through filters and
#                              projections keeps file order) keep the exact "expect".
# Every case runs once per batch size in SQL_BATCH_SIZES (default "1 7 1024", given to sluice
# as --set sluice.batch-size=N) on one worker, and its name says which: sql/union_cte_view@7.
# The output must not depend on the batch size. Then once more on two workers
# (sql/union_cte_view@p2, batch size 1024), where every expectation is compared as a multiset:
# output must equal the one-worker run's. A case whose meaning depends on the order in which
# two inputs are read (which late rows are late) pins SET 'parallelism.default' = '1' in its
# pipeline and has no @p2 run.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PASS=0
FAIL=0
FAILED=()
# e2e scripts and docs examples check outputs in the order one thread writes them, state sizes
# and late rows of one read order: they run on one worker unless they ask for more (-p 2);
# the SQL cases run on both (see above).
export SLUICE_PARALLELISM=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99

ok() { PASS=$((PASS + 1)); [ -n "${VERBOSE:-}" ] && echo "ok   $1"; return 0; }
bad() {
  FAIL=$((FAIL + 1)); FAILED+=("$1"); echo "FAIL $1"
  [ -n "${2:-}" ] && echo "$2" | head -n 40 | sed 's/^/     /'
  return 0
}

# run_sql_case FILE [BATCH [WORKERS]]: split the .test sections into a temp dir, run with BATCH
# rows per batch (no --set when empty) on WORKERS workers (default 1), compare (as multisets
# when WORKERS > 1).
run_sql_case() {
  local t=$1 bs=${2:-} par=${3:-1} name dir
  if [ "$par" != 1 ] && grep -q "parallelism.default" "$t"; then return 0; fi
  name="sql/$(basename "$t" .test)${bs:+@$bs}$VARIANT"
  [ "$par" != 1 ] && name="sql/$(basename "$t" .test)@p$par$VARIANT"
  dir=$(mktemp -d)
  awk -v dir="$dir" '
    /^--- / {
      if (out) close(out)
      kind = $2; arg = $3
      if (kind == "file") out = dir "/" arg
      else if (kind == "pipeline") out = dir "/pipeline.sql"
      else if (kind == "expect") { system("mkdir -p " dir "/.expect"); out = dir "/.expect/" arg }
      else if (kind == "expect-unordered") { system("mkdir -p " dir "/.unordered"); out = dir "/.unordered/" arg }
      else if (kind == "exit") { print arg > (dir "/.exit"); close(dir "/.exit"); out = "" }
      else if (kind == "args") { sub(/^--- args /, ""); print > (dir "/.args"); close(dir "/.args"); out = "" }
      else { print "unknown section: " $0 > (dir "/.badsection"); out = "" }
      if (out != "") { d = out; sub(/\/[^\/]*$/, "", d); system("mkdir -p \"" d "\""); printf "" > out }
      next
    }
    out != "" { print >> out }
  ' "$t"
  local want_exit=0 args="" msg=""
  [ -f "$dir/.exit" ] && want_exit=$(cat "$dir/.exit")
  [ -f "$dir/.args" ] && args=$(cat "$dir/.args")
  [ -n "$bs" ] && args="--set sluice.batch-size=$bs $args"
  args="--parallelism $par $args"
  [ -f "$dir/.badsection" ] && msg=$(cat "$dir/.badsection")
  if [ -z "$msg" ]; then
    (cd "$dir" && eval "\"$SLUICE\" run pipeline.sql -q $args" >.stdout 2>.stderr)
    local rc=$?
    [ "$rc" = "$want_exit" ] || msg="exit $rc, expected $want_exit: $(cat "$dir/.stderr")"
  fi
  local mode
  for mode in expect unordered; do
    [ -z "$msg" ] && [ -d "$dir/.$mode" ] || continue
    while IFS= read -r f; do
      local b; b=${f#"$dir"/."$mode"/}
      local actual="$dir/$b"
      [ "$b" = "stdout" ] && actual="$dir/.stdout"
      [ "$b" = "stderr" ] && actual="$dir/.stderr"
      if [ ! -f "$actual" ]; then msg="missing output $b"; break; fi
      if [ "$mode" = expect ] && [ "$par" = 1 ]; then
        diff -u "$f" "$actual" >"$dir/.diff" 2>&1
      else
        diff -u --label "$b (expected, sorted)" --label "$b (actual, sorted)" \
          <(LC_ALL=C sort "$f") <(LC_ALL=C sort "$actual") >"$dir/.diff" 2>&1
      fi || { msg="$b differs:
$(cat "$dir/.diff")"; break; }
    done < <(find "$dir/.$mode" -type f | sort)
  done
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
  for t in tests/sql/*.test; do
    for bs in ${SQL_BATCH_SIZES:-1 7 1024}; do run_sql_case "$t" "$bs"; done
    run_sql_case "$t" 1024 2
  done
  for t in tests/errors/*.sql; do run_error_case "$t"; done
  for t in tests/e2e/*.sh; do
    if out=$(SLUICE="$SLUICE" ROOT="$ROOT" bash "$t" 2>&1); then ok "e2e/$(basename "$t" .sh)$VARIANT"
    else bad "e2e/$(basename "$t" .sh)$VARIANT" "$out"; fi
  done
  if out=$(SLUICE="$SLUICE" bash tests/docs_examples.sh 2>&1); then ok "docs$VARIANT"; else bad "docs$VARIANT" "$out"; fi
  for fz in sql json csv expr state changelog restore pgoutput diff inventory migrate; do
    if out=$("$FUZZDIR/fuzz_replay_$fz" tests/fuzz/corpus/$fz 2>&1); then ok "fuzz-replay/$fz$VARIANT"
    else bad "fuzz-replay/$fz$VARIANT" "$out"; fi
  done
  if out=$("$DIFF" 2>&1); then ok "jsondiff$VARIANT"; else bad "jsondiff$VARIANT" "$out"; fi
}

run_suite build/sluice build/test_unit build/test_json_diff build ""
run_suite build/asan/sluice build/asan/test_unit build/asan/test_json_diff build/asan " (asan)"

# The tests that run several workers, once more under ThreadSanitizer (a data race between
# workers fails them: TSan exits non-zero).
export TSAN_OPTIONS=halt_on_error=1:report_signal_unsafe=0:exitcode=66
for t in parallel burst; do
  if out=$(SLUICE="$ROOT/build/tsan/sluice" ROOT="$ROOT" bash "tests/e2e/$t.sh" 2>&1); then
    ok "e2e/$t (tsan)"
  else bad "e2e/$t (tsan)" "$out"; fi
done

if [ "$FAIL" -gt 0 ]; then
  echo "failed:"; printf '  %s\n' "${FAILED[@]}"
fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
