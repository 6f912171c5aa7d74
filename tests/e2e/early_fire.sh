#!/usr/bin/env bash
# Early firing ('table.exec.emit.early-fire.enabled' with '...delay' = '100 ms') over a
# monitored file: an open window's current result appears as +I before the watermark closes
# the window, then as -U/+U each time it changes; when the window closes with a result that
# changed since the last early row, the change follows as -U/+U, and an unchanged window emits
# nothing more. Applied as a changelog, the output is exactly the final rows that the same
# query writes for the same file read as a bounded input. Without early firing nothing appears
# while the window is open, and a stop (SIGTERM) fires nothing.
. "$(dirname "$0")/lib/setup.sh"
# wait_for FILE ROW: until FILE has the line ROW (up to 5 s)
wait_for() {
  local end=$(($(now_ms) + 5000))
  until grep -qxF -- "$2" "$1"; do
    [ "$(now_ms)" -lt "$end" ] || fail "row $2 did not arrive within 5 s; output: $(cat "$1")"
    sleep 0.01
  done
}
# query SOURCE-PATH EXTRA-OPTIONS [SETS]
query() {
  cat <<Q
${3:-}
CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH ('connector' = 'filesystem', 'path' = '$1', 'format' = 'json'$2);
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT k, window_start, COUNT(*), SUM(v)
FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))
GROUP BY k, window_start, window_end;
Q
}
EARLY="SET 'table.exec.emit.early-fire.enabled' = 'true';
SET 'table.exec.emit.early-fire.delay' = '100 ms';"
MON=", 'source.monitor-interval' = '1 h'"
row() { printf '{"k":"%s","v":%d,"ts":"2024-01-01 %s"}\n' "$1" "$2" "$3"; }

mkdir in
row a 1 10:00:01 > in/a.jsonl
query in "$MON" "$EARLY" > early.sql
"$S" run early.sql > out.txt 2> err.txt &
pid=$!
# the window [10:00, 10:01) is open (watermark 09:59:56): its result so far, as +I
wait_for out.txt '+I[a, 2024-01-01 10:00:00.000, 1, 1]'
row a 2 10:00:20 >> in/a.jsonl
wait_for out.txt '+U[a, 2024-01-01 10:00:00.000, 2, 3]'
row b 4 10:00:30 >> in/a.jsonl
wait_for out.txt '+I[b, 2024-01-01 10:00:00.000, 1, 4]'
# one write: a changes a's result and the next row closes the window (watermark 10:01:05)
{ row a 7 10:00:40; row a 5 10:01:10; } >> in/a.jsonl
wait_for out.txt '+U[a, 2024-01-01 10:00:00.000, 3, 10]'
wait_for out.txt '+I[a, 2024-01-01 10:01:00.000, 1, 5]'
sleep 0.3 # several more timer periods: nothing changed, so nothing more
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "SIGTERM: exit $rc"
want='+I[a, 2024-01-01 10:00:00.000, 1, 1]
-U[a, 2024-01-01 10:00:00.000, 1, 1]
+U[a, 2024-01-01 10:00:00.000, 2, 3]
+I[b, 2024-01-01 10:00:00.000, 1, 4]
-U[a, 2024-01-01 10:00:00.000, 2, 3]
+U[a, 2024-01-01 10:00:00.000, 3, 10]
+I[a, 2024-01-01 10:01:00.000, 1, 5]'
[ "$(cat out.txt)" = "$want" ] || fail "early-fire output:
$(cat out.txt)
expected:
$want"

# the changelog, applied, is the bounded run's result (which closes every window at the end)
query in/a.jsonl '' > bounded.sql
"$S" run bounded.sql -q > bounded.txt 2> err.txt || fail "bounded run: exit $?"
applied=$(awk '{ r = substr($0, 3) } /^[+][IU]/ { m[r]++ } /^-[UD]/ { m[r]-- }
  END { for (r in m) for (i = 0; i < m[r]; i++) print "+I" r }' out.txt | LC_ALL=C sort)
[ "$applied" = "$(LC_ALL=C sort bounded.txt)" ] ||
  fail "early-fire changelog applied: $applied; bounded run: $(cat bounded.txt)"

# without early firing: nothing while the window is open, nothing after a stop
rm -rf in && mkdir in
row a 1 10:00:01 > in/a.jsonl
query in "$MON" > late.sql
"$S" run late.sql > out2.txt 2> err.txt &
pid=$!
sleep 0.5
row a 2 10:00:20 >> in/a.jsonl
sleep 0.5
[ -s out2.txt ] && fail "without early firing an open window emitted: $(cat out2.txt)"
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "SIGTERM (no early firing): exit $rc"
[ -s out2.txt ] && fail "a stop fired a window: $(cat out2.txt)"
grep -q '2 rows read' err.txt || fail "rows were not read: $(cat err.txt)"
echo "ok: early results as +I then -U/+U; their changelog is the bounded result"
