#!/usr/bin/env bash
# Late data is counted and reported in the run summary, per policy, at batch sizes 1, 7 and
# 1024. (1) Two files of one source read one after the other (as tests/sql/late_data_*.test):
# the summary line of the source says how many rows were late and what became of them.
# (2) One generated file of 3000 rows, one per second, with three rows far behind: at line
# 2500 and later the watermark (from at least the first 2048 rows, whatever the batch size) is
# past their window's end, so they are late at every batch size. Each policy is checked on the
# summary, the dead-letter file and the window counts (which add up to 3000 minus what was not
# applied).
. "$(dirname "$0")/lib/setup.sh"

mkdir in
cat > in/1.jsonl <<'J'
{"k":"a","v":1,"ts":"2024-01-01 10:00:01"}
{"k":"b","v":2,"ts":"2024-01-01 10:00:30"}
{"k":"a","v":3,"ts":"2024-01-01 10:01:10"}
{"k":"a","v":4,"ts":"2024-01-01 10:02:30"}
J
cat > in/2.jsonl <<'J'
{"k":"a","v":10,"ts":"2024-01-01 10:00:40"}
{"k":"b","v":7,"ts":"2024-01-01 10:01:50"}
{"k":"a","v":30,"ts":"2024-01-01 10:01:20"}
{"k":"b","v":5,"ts":"2024-01-01 10:02:05"}
{"k":"a","v":20,"ts":"2024-01-01 10:03:30"}
J
# pipeline FILE-OR-DIR EXTRA-OPTIONS: a 1-minute TUMBLE count per key
pipeline() {
  cat <<Q
CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH ('connector' = 'filesystem', 'path' = '$1', 'format' = 'json', 'dlq.path' = 'dlq.jsonl'$2);
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT k, window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY k, window_start, window_end;
Q
}
# run NAME SQL BATCH: run it, stdout in NAME.out, stderr in NAME.err, dead letters in NAME.dlq
run() {
  rm -f dlq.jsonl
  echo "$2" > "$1.sql"
  "$S" run "$1.sql" --set sluice.batch-size="$3" > "$1.out" 2> "$1.err" ||
    fail "$1@$3: exit $?: $(cat "$1.err")"
  if [ -f dlq.jsonl ]; then mv dlq.jsonl "$1.dlq"; else : > "$1.dlq"; fi
}
# summary NAME BATCH WANT: the source line of the summary ends with WANT
summary() {
  local line
  line=$(grep -E '^  source t ' "$1.err")
  [[ "$line" == *"$3" ]] || fail "$1@$2: summary '$line', expected it to end '$3'"
}
late_lines() { jq -r 'select(.stage == "late") | .line' "$1.dlq" | tr '\n' ' '; }

for bs in 1 7 1024; do
  # (1) two files
  run dlq1 "$(pipeline in '')" $bs
  summary dlq1 $bs "9 rows read; 3 late: 3 dead-lettered to dlq.jsonl"
  run drop1 "$(pipeline in ", 'late-data' = 'drop'")" $bs
  summary drop1 $bs "9 rows read; 3 late: 3 dropped"
  [ -s drop1.dlq ] && fail "drop1@$bs: dead letters: $(cat drop1.dlq)"
  run upd1 "$(pipeline in ", 'late-data' = 'update', 'allowed-lateness' = '1 min'")" $bs
  summary upd1 $bs "9 rows read; 3 late: 1 dead-lettered to dlq.jsonl, 2 applied as updates"
  grep -Eq '^  state  WindowAggregate #[0-9]+ keeps .*, 0 B at end(;|$)' upd1.err ||
    fail "upd1@$bs: no state line ending '0 B at end': $(cat upd1.err)"

  # (2) one file of 3000 rows: lines 2500, 2600 and 2700 are 10:01:40, far behind
  awk 'BEGIN {
    for (i = 1; i <= 3000; i++) {
      s = (i == 2500 || i == 2600 || i == 2700) ? 100 : i
      printf "{\"k\":\"k%d\",\"v\":%d,\"ts\":\"2024-01-01 10:%02d:%02d\"}\n", i % 3, i, int(s / 60), s % 60
    }
  }' > big.jsonl
  # total PRINT-OUTPUT: sum of the counts of the materialised result (+I/+U add, -U/-D subtract)
  total() { sed -E 's/^([-+][IUD])\[.*, ([0-9]+)\]$/\1 \2/' "$1" |
    awk '$1 == "+I" || $1 == "+U" { n += $2 } $1 == "-U" || $1 == "-D" { n -= $2 } END { print n + 0 }'; }
  run dlq2 "$(pipeline big.jsonl '')" $bs
  summary dlq2 $bs "3000 rows read; 3 late: 3 dead-lettered to dlq.jsonl"
  [ "$(late_lines dlq2)" = "2500 2600 2700 " ] || fail "dlq2@$bs: late dead letters at lines $(late_lines dlq2)"
  grep -q '"reason":"late: window \[2024-01-01 10:01:00.000, 10:02:00.000) already emitted at watermark' dlq2.dlq ||
    fail "dlq2@$bs: reason does not name the window: $(head -1 dlq2.dlq)"
  [ "$(total dlq2.out)" = 2997 ] || fail "dlq2@$bs: windows count $(total dlq2.out) rows, expected 2997"
  grep -q '^[-+]U' dlq2.out && fail "dlq2@$bs: updates in an append-only result"
  run drop2 "$(pipeline big.jsonl ", 'late-data' = 'drop'")" $bs
  summary drop2 $bs "3000 rows read; 3 late: 3 dropped"
  [ -s drop2.dlq ] && fail "drop2@$bs: dead letters: $(cat drop2.dlq)"
  [ "$(total drop2.out)" = 2997 ] || fail "drop2@$bs: windows count $(total drop2.out) rows, expected 2997"
  run upd2 "$(pipeline big.jsonl ", 'late-data' = 'update', 'allowed-lateness' = '1 h'")" $bs
  summary upd2 $bs "3000 rows read; 3 late: 3 applied as updates"
  [ -s upd2.dlq ] && fail "upd2@$bs: dead letters: $(cat upd2.dlq)"
  [ "$(total upd2.out)" = 3000 ] || fail "upd2@$bs: windows count $(total upd2.out) rows, expected 3000"
  # window [10:01, 10:02) of key k1 (2500 % 3 = 1) had 20 rows; the late row makes it 21
  grep -qxF -- '-U[k1, 2024-01-01 10:01:00.000, 20]' upd2.out &&
    grep -qxF -- '+U[k1, 2024-01-01 10:01:00.000, 21]' upd2.out ||
    fail "upd2@$bs: no -U/+U correction of k1's window 10:01: $(grep -F '10:01:00.000' upd2.out)"
done
echo "ok: late-data policies counted at batch sizes 1, 7, 1024"
