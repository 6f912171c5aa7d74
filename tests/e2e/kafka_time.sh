#!/usr/bin/env bash
# Event time over Kafka: each partition is a split of its own for the watermark, so the
# watermark is the minimum over the partitions (a window closes only when every partition has
# passed its end), and a partition without messages for 'scan.watermark.idle-timeout' no longer
# holds it back.
. "$(dirname "$0")/lib/setup.sh"
. "$ROOT/tests/e2e/lib/kafka.sh"
kafka_start ev:2 idle:2 || fail "mock did not start"
row() { echo "{\"k\":\"$1\",\"ts\":\"2024-05-01 $2\"}" | kcat -P -b "$KB" -t "$3" -p "$4" 2>>"$T/kcat.err"; }
q() { # $1: topic, $2: extra options
  cat <<EOF
CREATE TABLE ev (k STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'kafka',
  'topic' = '$1', 'properties.bootstrap.servers' = '$KB', 'properties.group.id' = 'g-$1',
  'properties.session.timeout.ms' = '6000', 'properties.fetch.wait.max.ms' = '20',
  'scan.startup.mode' = 'earliest-offset', 'format' = 'json' $2);
CREATE TABLE s (window_start TIMESTAMP(3), n BIGINT) WITH ('connector' = 'print');
CREATE TABLE r (k STRING) WITH ('connector' = 'print', 'standard-error' = 'true');
INSERT INTO r SELECT k FROM ev;
INSERT INTO s SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts),
  INTERVAL '1' MINUTE)) GROUP BY window_start, window_end;
EOF
}
wait_for() { # $1: pattern in out.txt (or $3), $2: tenths of a second
  local i
  for i in $(seq 1 "$2"); do grep -q "$1" "${3:-out.txt}" && return 0; sleep 0.1; done
  return 1
}
# every partition has sent its first row (a partition holds the watermark from its first
# message on; one that has sent none yet is waited for only through the idle timeout)
both_read() { wait_for '+I\[a\]' 200 err.txt && wait_for '+I\[b\]' 50 err.txt; }

# 1. partition 0 passes the window's end, partition 1 does not: the window stays open until
# partition 1 passes it too
q ev "" >ev.sql
row a 10:00:01 ev 0
row b 10:00:30 ev 1
"$S" run ev.sql -q -p 1 >out.txt 2>err.txt &
pid=$!
both_read || fail "the first rows were not read: $(cat err.txt)"
row c 10:01:05 ev 0
wait_for '+I\[c\]' 100 err.txt || fail "row c was not read: $(cat err.txt)"
wait_for never 10
[ ! -s out.txt ] || fail "a window closed before every partition passed its end: $(cat out.txt)"
row d 10:01:10 ev 1
wait_for '^+I\[2024-05-01 10:00:00.000, 2\]$' 100 || fail "the window did not close: $(cat out.txt)"
kill -TERM $pid
wait $pid
pid=

# 2. the same with an idle timeout: partition 1 falls silent and the window closes without it
# while partition 0 goes on
q idle ", 'scan.watermark.idle-timeout' = '1 s'" >idle.sql
row a 10:00:01 idle 0
row b 10:00:30 idle 1
"$S" run idle.sql -q -p 1 >out.txt 2>err.txt &
pid=$!
both_read || fail "the first rows were not read: $(cat err.txt)"
# partition 0 goes on (a row every 0.3 s), partition 1 stays silent
for i in $(seq 10 59); do
  row c 10:01:$i idle 0
  wait_for '^+I\[2024-05-01 10:00:00.000, 2\]$' 3 && break
done
grep -q '^+I\[2024-05-01 10:00:00.000, 2\]$' out.txt || fail "the idle partition held the window: $(cat out.txt)"
kill -TERM $pid
wait $pid
pid=
exit 0
