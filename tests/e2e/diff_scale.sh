#!/usr/bin/env bash
# `sluice diff` end to end: a random differential test against a Python oracle, in memory and
# hash-partitioned (--memory 64kb) with identical reports (seed printed; SEED=N replays);
# a pipeline table read through its connector; --history with --require-clean; the HTML report;
# standard input and FIFOs.
set -u
S=${SLUICE:?}
cd "${ROOT:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
SEED=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "seed $SEED"
python3 tests/e2e/diff_oracle.py "$S" "$T" "$SEED" 20000 || fail "oracle"
# a pipeline table (its INSERT is not run) against a file
cat > "$T/p.sql" <<SQL
CREATE TABLE src (id BIGINT, amount DECIMAL(10, 2), ts TIMESTAMP(3))
  WITH ('connector' = 'filesystem', 'path' = '$T/src.jsonl', 'format' = 'json');
CREATE TABLE out1 WITH ('connector' = 'filesystem', 'path' = '$T/out1.jsonl', 'format' = 'json');
INSERT INTO out1 SELECT * FROM src;
SQL
printf '{"id":1,"amount":1.5,"ts":"2024-01-01 00:00:00"}\n{"id":2,"amount":2,"ts":"2024-01-01 01:00:00"}\n' > "$T/src.jsonl"
printf 'id,amount,ts\n1,1.50,2024-01-01T00:00:00Z\n2,2.00,2024-01-01T01:00:00Z\n' > "$T/want.csv"
"$S" diff "$T/p.sql:src" "$T/want.csv" --key id > "$T/out" || { cat "$T/out"; fail "pipeline table"; }
[ ! -e "$T/out1.jsonl" ] || fail "the pipeline's own INSERT ran"
"$S" diff "$T/p.sql:nope" "$T/want.csv" --key id 2> "$T/err"; [ $? = 2 ] || fail "unknown table: exit 2"
grep -q "unknown table 'nope'" "$T/err" || fail "unknown table message"
# history: two clean runs required
printf 'id,amount,ts\n1,1.51,2024-01-01T00:00:00Z\n2,2.00,2024-01-01T01:00:00Z\n' > "$T/bad.csv"
H="$T/h.jsonl"
"$S" diff "$T/src.jsonl" "$T/want.csv" --key id --history "$H" --require-clean 2 > /dev/null 2>&1
[ $? = 1 ] || fail "one clean run is not two"
"$S" diff "$T/src.jsonl" "$T/want.csv" --key id --history "$H" --require-clean 2 > /dev/null || fail "two clean runs"
"$S" diff "$T/src.jsonl" "$T/bad.csv" --key id --history "$H" > /dev/null; [ $? = 1 ] || fail "different: exit 1"
"$S" diff "$T/src.jsonl" "$T/want.csv" --key id --history "$H" --require-clean 2 > /dev/null 2>&1
[ $? = 1 ] || fail "a different run breaks the streak"
[ "$(wc -l < "$H")" = 4 ] || fail "history lines"
"$S" diff "$T/src.jsonl" "$T/bad.csv" --key id --format html > "$T/r.html"
grep -q '<td>differing</td>' "$T/r.html" && grep -q 'amount' "$T/r.html" || fail "html report"
# standard input and a FIFO are read again after the scan (copied to a temporary file first):
# the differing row's sample shows both sides' values, and nothing is left in --tmpdir
mkdir "$T/tmp"
out=$("$S" diff - "$T/bad.csv" --key id --input-format csv --tmpdir "$T/tmp" --format json < "$T/want.csv")
[ $? = 1 ] || fail "stdin: exit 1"
echo "$out" | grep -q '"left": {"amount": "1.50", "ts": "2024-01-01T00:00:00Z"}' || fail "stdin sample: $out"
mkfifo "$T/fifo"
cat "$T/want.csv" > "$T/fifo" &
"$S" diff "$T/fifo" "$T/want.csv" --key id --input-format csv --tmpdir "$T/tmp" > /dev/null ||
  fail "a FIFO against its own contents"
wait
[ -z "$(ls -A "$T/tmp")" ] || fail "left in --tmpdir: $(ls "$T/tmp")"
echo ok
