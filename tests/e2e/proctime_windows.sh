#!/usr/bin/env bash
# Processing-time windows over a monitored file: a window fires when the wall clock passes its
# end, with no new input (the assigner's timer), and not before; two bursts appended more than
# a window apart land in different windows; an OVER aggregation on processing time emits each
# row without waiting for more input; idle, the process sleeps (one wake-up per window end);
# SIGTERM ends the run with exit 0.
. "$(dirname "$0")/lib/setup.sh"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# wait_for PATTERN SECONDS: until out.txt has a line matching the extended regex
wait_for() {
  local end=$(($(now_ms) + $2 * 1000))
  until grep -Eq -- "$1" out.txt; do
    [ "$(now_ms)" -lt "$end" ] || fail "no line matching $1 within $2 s; output: $(cat out.txt)"
    sleep 0.01
  done
}
# ms: milliseconds of the day of a printed timestamp (HH:mm:ss.SSS)
ms() { echo "$1" | awk -F'[:.]' '{print (($1 * 60 + $2) * 60 + $3) * 1000 + $4}'; }

mkdir in
: > in/a.jsonl
cat > p.sql <<'Q'
CREATE TABLE t (k STRING, id BIGINT, pt AS PROCTIME())
  WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'json',
        'source.monitor-interval' = '1 h');
CREATE TABLE w WITH ('connector' = 'print', 'print-identifier' = 'w');
CREATE TABLE o WITH ('connector' = 'print', 'print-identifier' = 'o');
EXECUTE STATEMENT SET BEGIN
  INSERT INTO w SELECT k, COUNT(*) AS n, DATE_FORMAT(window_start, 'HH:mm:ss.SSS') AS ws,
    DATE_FORMAT(window_end, 'HH:mm:ss.SSS') AS we
  FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(pt), INTERVAL '2' SECOND))
  GROUP BY k, window_start, window_end;
  INSERT INTO o SELECT id, COUNT(*) OVER (ORDER BY pt ROWS BETWEEN UNBOUNDED PRECEDING AND
    CURRENT ROW) AS seen FROM t;
END;
Q
"$S" run p.sql > out.txt 2> err.txt &
pid=$!
sleep 0.3
# start just after a window boundary, so the window's end is well ahead
until [ $(($(now_ms) % 2000)) -ge 100 ] && [ $(($(now_ms) % 2000)) -le 300 ]; do sleep 0.01; done
printf '{"k":"a","id":1}\n{"k":"a","id":2}\n{"k":"b","id":3}\n' >> in/a.jsonl
t1=$(now_ms)
wait_for '^o> \+I\[3, 3\]$' 2 # OVER rows come out at once, without more input
grep -q '^w>' out.txt && fail "a window fired before its end: $(cat out.txt)"
wait_for '^w> \+I\[b, 1,' 4 # the window fires on the clock alone
late=$(($(now_ms) - t1))
[ $late -le 2800 ] || fail "the first window came out ${late} ms after its rows (2 s windows)"
grep -Eq '^w> \+I\[a, 2, ' out.txt || fail "window counts: $(cat out.txt)"
line=$(grep '^w> +I\[a, 2,' out.txt)
ws1=$(echo "$line" | sed -E 's/.*, ([0-9:.]+), ([0-9:.]+)\]$/\1/')
we1=$(echo "$line" | sed -E 's/.*, ([0-9:.]+), ([0-9:.]+)\]$/\2/')
[ $(($(ms "$we1") - $(ms "$ws1"))) = 2000 ] || fail "window [$ws1, $we1) is not 2 s long"
[ $(($(ms "$ws1") % 2000)) = 0 ] || fail "window start $ws1 is not aligned to 2 s"

# idle: the process sleeps (a wake-up at each window end costs next to nothing)
a=$(cpu_ticks $pid)
sleep 1
b=$(cpu_ticks $pid)
[ $((b - a)) -le 2 ] || fail "$((b - a)) ticks (1/100 s) of CPU in 1 s of idling"

sleep 1.2 # more than a window after the first burst
printf '{"k":"a","id":4}\n{"k":"a","id":5}\n' >> in/a.jsonl
wait_for '^o> \+I\[5, 5\]$' 2
end=$(($(now_ms) + 4000))
until [ "$(grep -c '^w> +I\[a, 2,' out.txt)" = 2 ]; do
  [ "$(now_ms)" -lt "$end" ] || fail "the second burst's window did not fire: $(cat out.txt)"
  sleep 0.01
done
ws2=$(grep '^w> +I\[a, 2,' out.txt | tail -n 1 | sed -E 's/.*, ([0-9:.]+), ([0-9:.]+)\]$/\1/')
[ "$ws2" != "$ws1" ] || fail "both bursts landed in the window starting $ws1"
[ "$(grep -c '^w>' out.txt)" = 3 ] || fail "window rows: $(grep '^w>' out.txt)"

kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "SIGTERM: exit $rc"
[ "$(grep '^o>' out.txt)" = "$(printf 'o> +I[%d, %d]\n' 1 1 2 2 3 3 4 4 5 5)" ] ||
  fail "OVER rows: $(grep '^o>' out.txt)"

# the projection above the assigner moves below it: the source decodes only what the window uses
cat > q.sql <<'Q'
CREATE TABLE bid (auction BIGINT, bidder BIGINT, price BIGINT, url STRING)
  WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'json');
CREATE TABLE q12 (bidder BIGINT, bid_count BIGINT, starttime TIMESTAMP(3), endtime TIMESTAMP(3))
  WITH ('connector' = 'blackhole');
CREATE VIEW B AS SELECT *, PROCTIME() as p_time FROM bid;
INSERT INTO q12 SELECT bidder, count(*) as bid_count, window_start AS starttime,
  window_end AS endtime
FROM TABLE(TUMBLE(TABLE B, DESCRIPTOR(p_time), INTERVAL '10' SECOND))
GROUP BY bidder, window_start, window_end;
Q
"$S" explain q.sql > plan.txt 2> err.txt || fail "explain failed"
grep -q 'Source bid: filesystem json, reads 1 of 4 columns: bidder$' plan.txt ||
  fail "columns not pruned through the assigner: $(cat plan.txt)"
grep -q 'WatermarkAssigner <- \[2\]: processing time p_time, watermark before each batch and every 10000 ms$' plan.txt ||
  fail "explain: $(cat plan.txt)"
exit 0
