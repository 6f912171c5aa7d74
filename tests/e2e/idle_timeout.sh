#!/usr/bin/env bash
# 'scan.watermark.idle-timeout' over a monitored directory of two files (two splits). Both
# send a row in window [10:00, 10:01); then only a.jsonl moves on (10:01:10) and b.jsonl goes
# silent. Without the option b's split holds the source's watermark back (the minimum over the
# splits), so no window closes, however long we wait, and a stop fires nothing. With it, b is
# idle once its last row is older than the timeout, the watermark follows a alone and the
# window closes for both keys. A later row of b behind that watermark is late (dead-lettered).
. "$(dirname "$0")/lib/setup.sh"
wait_for() {
  local end=$(($(now_ms) + 5000))
  until grep -qxF -- "$2" "$1"; do
    [ "$(now_ms)" -lt "$end" ] || fail "row $2 did not arrive within 5 s; output: $(cat "$1")"
    sleep 0.01
  done
}
query() {
  cat <<Q
CREATE TABLE t (k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'json', 'dlq.path' = 'dlq.jsonl',
        'source.monitor-interval' = '1 h'$1);
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT k, window_start, COUNT(*)
FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY k, window_start, window_end;
Q
}
row() { printf '{"k":"%s","ts":"2024-01-01 %s"}\n' "$1" "$2"; }
# start OPTIONS: fresh input, run in the background, a moves on
start() {
  rm -rf in out.txt dlq.jsonl && mkdir in
  row a 10:00:01 > in/a.jsonl
  row b 10:00:02 > in/b.jsonl
  query "$1" > p.sql
  "$S" run p.sql > out.txt 2> err.txt &
  pid=$!
  sleep 0.2
  row a 10:01:10 >> in/a.jsonl
}
stop() {
  kill -TERM $pid
  wait $pid
  local rc=$?
  pid=
  [ $rc = 0 ] || fail "SIGTERM: exit $rc"
}

# without the option: b holds the watermark back
start ''
sleep 1.5
[ -s out.txt ] && fail "without an idle timeout a window closed: $(cat out.txt)"
stop
[ -s out.txt ] && fail "a stop fired a window: $(cat out.txt)"
grep -q '3 rows read' err.txt || fail "rows were not read: $(cat err.txt)"

# with it: b is idle after 300 ms and the window closes
start ", 'scan.watermark.idle-timeout' = '300 ms'"
wait_for out.txt '+I[a, 2024-01-01 10:00:00.000, 1]'
wait_for out.txt '+I[b, 2024-01-01 10:00:00.000, 1]'
# b wakes up behind the watermark (10:01:05): its row is late
row b 10:00:50 >> in/b.jsonl
end=$(($(now_ms) + 5000))
until grep -q '"stage":"late"' dlq.jsonl 2>/dev/null; do
  [ "$(now_ms)" -lt "$end" ] || fail "b's row behind the watermark was not dead-lettered"
  sleep 0.01
done
stop
[ "$(wc -l < out.txt)" = 2 ] || fail "output: $(cat out.txt)"
grep -q '4 rows read; 1 late: 1 dead-lettered to dlq.jsonl' err.txt || fail "summary: $(cat err.txt)"
echo "ok: an idle split stops holding the watermark back only with the timeout"
