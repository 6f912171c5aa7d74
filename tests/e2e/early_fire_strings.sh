#!/usr/bin/env bash
# Early firing with string results across output batches: 40 keys, each with a LISTAGG and a
# MAX over strings, in batches of 7 rows; every key changes between two early firings, so each
# firing emits 40 -U/+U pairs and flushes the output batch in the middle of them. Applied as a
# changelog, the output must be exactly the bounded run's rows (a +U whose strings pointed into
# a flushed batch would come out garbled).
. "$(dirname "$0")/lib/setup.sh"
query() {
  cat <<Q
${3:-}
CREATE TABLE t (k STRING, s STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH ('connector' = 'filesystem', 'path' = '$1', 'format' = 'json'$2);
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT k, window_start, LISTAGG(s, '|'), MAX(s)
FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY k, window_start, window_end;
Q
}
EARLY="SET 'table.exec.emit.early-fire.enabled' = 'true';
SET 'table.exec.emit.early-fire.delay' = '50 ms';
SET 'sluice.batch-size' = '7';"
rows() { # $1: round, $2: seconds
  for i in $(seq 1 40); do
    printf '{"k":"key-%02d","s":"round-%d-value-for-key-%02d-%s","ts":"2024-01-01 10:00:%02d"}\n' \
      "$i" "$1" "$i" "$(printf 'x%.0s' $(seq 1 $((i % 7 + 3))))" "$2"
  done
}
mkdir in
rows 1 10 > in/a.jsonl
query in ", 'source.monitor-interval' = '1 h'" "$EARLY" > early.sql
"$S" run early.sql > out.txt 2> err.txt &
pid=$!
wait_rows() { # until out.txt has at least $1 lines (5 s)
  local end=$(($(now_ms) + 5000))
  until [ "$(wc -l < out.txt)" -ge "$1" ]; do
    [ "$(now_ms)" -lt "$end" ] || fail "only $(wc -l < out.txt) rows, expected $1: $(cat err.txt)"
    sleep 0.01
  done
}
wait_rows 40
rows 2 20 >> in/a.jsonl
wait_rows 120
rows 3 30 >> in/a.jsonl
wait_rows 200
echo '{"k":"zz","s":"closes","ts":"2024-01-01 10:01:30"}' >> in/a.jsonl
sleep 0.3
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "SIGTERM: exit $rc: $(cat err.txt)"
cat in/a.jsonl > bounded.jsonl
query bounded.jsonl '' > bounded.sql
"$S" run bounded.sql -q > bounded.txt 2> err.txt || fail "bounded run: exit $?"
grep -v '^+I\[zz' bounded.txt | LC_ALL=C sort > want.txt
awk '{ r = substr($0, 3) } /^[+][IU]/ { m[r]++ } /^-[UD]/ { m[r]-- }
  END { for (r in m) for (i = 0; i < m[r]; i++) print "+I" r }' out.txt | grep -v '^+I\[zz' |
  LC_ALL=C sort > applied.txt
cmp -s want.txt applied.txt || fail "early-fire changelog applied differs from the bounded run:
$(diff want.txt applied.txt | head -n 10)"
[ "$(wc -l < want.txt)" = 40 ] || fail "expected 40 final rows: $(cat want.txt)"
echo "ok: 40 keys, string results intact across output batches"
