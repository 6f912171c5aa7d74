#!/usr/bin/env bash
# The .test runner itself (run_sql_case in tests/run.sh) can fail: an exact "expect" rejects
# reordered lines, "expect-unordered" accepts them but rejects a changed, missing or extra
# line (multisets, so a lost duplicate counts), an unknown section kind is an error rather
# than silently ignored, and the batch size reaches sluice and the test name.
set -u
S=${SLUICE:?}
cd "${ROOT:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
PASS=0; FAIL=0; FAILED=(); VARIANT=""; VERBOSE=1; SLUICE=$S
source <(sed -n '/^ok()/,/^run_error_case()/p' tests/run.sh | head -n -1)
n=0
# expect_result ok|FAIL NAME BATCH [TEXT]: writes $T/NAME.test from stdin, runs it, checks the
# verdict (and that a failure's message contains TEXT).
expect_result() {
  local want=$1 name=$2 bs=$3 text=${4:-} out
  n=$((n + 1))
  cat >"$T/$name.test"
  out=$(run_sql_case "$T/$name.test" "$bs" 2>&1)
  if [ "$want" = ok ]; then
    [ "$out" = "ok   sql/$name@$bs" ] || { echo "check $n ($name): wanted ok, got: $out"; exit 1; }
  else
    [ "${out#FAIL sql/"$name"@"$bs"}" != "$out" ] || { echo "check $n ($name): wanted FAIL, got: $out"; exit 1; }
    [[ "$out" == *"$text"* ]] || { echo "check $n ($name): wanted a failure with '$text', got: $out"; exit 1; }
  fi
}
pipeline() {
  printf '%s\n' '--- file in.jsonl' '{"n": 1}' '{"n": 2}' '{"n": 2}' '{"n": 3}' '--- pipeline' \
    "CREATE TABLE t (n INT) WITH ('connector' = 'filesystem', 'path' = 'in.jsonl', 'format' = 'json');" \
    "CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'o.csv', 'format' = 'csv');" \
    'INSERT INTO o SELECT n FROM t;'
}
expect_result ok exact_in_order 7 < <(pipeline; printf '%s\n' '--- expect o.csv' 1 2 2 3)
expect_result FAIL exact_reordered 7 'o.csv differs' < <(pipeline; printf '%s\n' '--- expect o.csv' 2 1 2 3)
expect_result ok unordered_reordered 1 < <(pipeline; printf '%s\n' '--- expect-unordered o.csv' 3 2 1 2)
expect_result FAIL unordered_lost_duplicate 1 'o.csv differs' < <(pipeline; printf '%s\n' '--- expect-unordered o.csv' 3 2 1)
expect_result FAIL unordered_extra_line 1 'o.csv differs' < <(pipeline; printf '%s\n' '--- expect-unordered o.csv' 3 2 1 2 2)
expect_result FAIL unordered_changed_line 1 'o.csv differs' < <(pipeline; printf '%s\n' '--- expect-unordered o.csv' 3 2 1 4)
expect_result FAIL unordered_missing_file 1 'missing output missing.csv' < <(pipeline; printf '%s\n' '--- expect-unordered missing.csv' 1)
expect_result FAIL misspelt_section 1 'unknown section: --- expect-unorderd' < <(pipeline; printf '%s\n' '--- expect-unorderd o.csv' 1)
# the batch size reaches sluice: 0 is out of range, a usage error (exit 2)
expect_result FAIL bad_batch_size 0 "'sluice.batch-size' must be a whole number" < <(pipeline; printf '%s\n' '--- expect o.csv' 1 2 2 3)
# (Whether a valid size changes the interleaving of sources is the executor's business, not
# checked here: any interleaving is correct.)
echo ok
