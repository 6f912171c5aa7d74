#!/usr/bin/env bash
# State is counted per stateful operator and freed. (1) A bounded run of every stateful
# operator kind (TUMBLE, HOP, CUMULATE and SESSION aggregation, window top-N, OVER, a legacy
# group window, GROUP BY): explain says what each keeps ("keeps ..."), the run summary has one
# state line per operator, with a peak above 0 and, for every windowed or OVER operator,
# "0 B at end" (the +infinity watermark closed everything and freed it). GROUP BY keeps its
# groups at the end in streaming mode and frees them in batch mode. (2) An unbounded run: 2000
# keys fill window [10:00, 10:01); a row at 10:01:10 closes it; after a stop the operator keeps
# only that last row's accumulator, far below its peak: state goes back down while it runs.
. "$(dirname "$0")/lib/setup.sh"
awk 'BEGIN { for (i = 1; i <= 3000; i++)
  printf "{\"k\":\"k%d\",\"v\":%d,\"ts\":\"2024-01-01 10:%02d:%02d\"}\n", i % 7, i, int(i / 60), i % 60 }' > ev.jsonl
pipeline() {
  cat <<Q
$1
CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH ('connector' = 'filesystem', 'path' = 'ev.jsonl', 'format' = 'json');
CREATE TABLE o1 WITH ('connector' = 'blackhole');
CREATE TABLE o2 WITH ('connector' = 'blackhole');
CREATE TABLE o3 WITH ('connector' = 'blackhole');
CREATE TABLE o4 WITH ('connector' = 'blackhole');
CREATE TABLE o5 WITH ('connector' = 'blackhole');
CREATE TABLE o6 WITH ('connector' = 'blackhole');
CREATE TABLE o7 WITH ('connector' = 'blackhole');
CREATE TABLE o8 WITH ('connector' = 'blackhole');
INSERT INTO o1 SELECT k, window_start, COUNT(*), SUM(v) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY k, window_start, window_end;
INSERT INTO o2 SELECT k, window_start, MAX(v) FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '1' MINUTE)) GROUP BY k, window_start, window_end;
INSERT INTO o3 SELECT window_start, window_end, COUNT(DISTINCT k) FROM TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' SECOND, INTERVAL '1' MINUTE)) GROUP BY window_start, window_end;
INSERT INTO o4 SELECT k, window_start, COUNT(*) FROM TABLE(SESSION(TABLE t PARTITION BY k, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY k, window_start, window_end;
INSERT INTO o5 SELECT * FROM (SELECT k, v, window_start, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY v DESC) AS rn FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) WHERE rn <= 2;
INSERT INTO o6 SELECT k, v, COUNT(*) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '30' SECOND PRECEDING AND CURRENT ROW) FROM t;
INSERT INTO o7 SELECT k, TUMBLE_START(ts, INTERVAL '1' MINUTE), COUNT(*) FROM t GROUP BY k, TUMBLE(ts, INTERVAL '1' MINUTE);
INSERT INTO o8 SELECT k, COUNT(*) FROM t GROUP BY k;
Q
}
pipeline '' > p.sql
"$S" explain p.sql > explain.txt 2> err.txt || fail "explain: exit $?"
# (1) explain: every stateful operator says what it keeps, and no other one does
stateful=$(grep -cE '^\[[0-9]+\] (WindowAggregate|Rank|Over|GroupAgg) ' explain.txt)
[ "$stateful" = 8 ] || fail "(1) $stateful stateful operators in explain, expected 8: $(cat explain.txt)"
keeps=$(grep -cE '; keeps [a-z]' explain.txt)
[ "$keeps" = 8 ] || fail "(1) $keeps operators say what they keep, expected 8: $(cat explain.txt)"
grep -E '; keeps ' explain.txt | grep -vqE '^\[[0-9]+\] (WindowAggregate|Rank|Over|GroupAgg) ' &&
  fail "(1) a stateless operator says it keeps something: $(cat explain.txt)"
for want in 'TUMBLE.*keeps one accumulator per key and window slice, until the watermark passes window_end' \
  'SESSION.*keeps one accumulator per key and open session, until the watermark passes the session' \
  'Rank .*keeps the top rows per partition' 'Over .*keeps the rows waiting for the watermark' \
  'GroupAgg .*keeps one accumulator per key'; do
  grep -qE "$want" explain.txt || fail "(1) explain has no line matching '$want': $(cat explain.txt)"
done
"$S" run p.sql > /dev/null 2> err.txt || fail "(1) run: exit $?"
[ "$(grep -c '^  state  ' err.txt)" = 8 ] || fail "(1) state lines: $(cat err.txt)"
grep -E '^  state  ' err.txt | grep -qE 'keeps 0 B at peak' && fail "(1) an operator kept nothing: $(cat err.txt)"
[ "$(grep -E '^  state  (WindowAggregate|Rank|Over) ' err.txt | grep -c ', 0 B at end')" = 7 ] ||
  fail "(1) windowed state not freed at the end: $(cat err.txt)"
grep -E '^  state  GroupAgg ' err.txt | grep -q ', 0 B at end' &&
  fail "(1) streaming GROUP BY forgot its groups: $(cat err.txt)"
pipeline "SET 'execution.runtime-mode' = 'batch';" > b.sql
"$S" run b.sql > /dev/null 2> err.txt || fail "(1) batch run: exit $?"
[ "$(grep -E '^  state  ' err.txt | grep -c ', 0 B at end')" = 8 ] ||
  fail "(1) batch mode: state not freed at the end: $(cat err.txt)"

# (2) unbounded: state goes back down when a window closes
mkdir in
awk 'BEGIN { for (i = 1; i <= 2000; i++)
  printf "{\"k\":\"key%d\",\"v\":%d,\"ts\":\"2024-01-01 10:00:%02d\"}\n", i, i, i % 60 }' > in/a.jsonl
cat > m.sql <<'Q'
CREATE TABLE t (k STRING, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'json', 'source.monitor-interval' = '1 h');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT k, window_start, COUNT(*) AS c, SUM(v) AS s
FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE)) GROUP BY k, window_start, window_end;
Q
"$S" run m.sql > out.txt 2> err.txt &
pid=$!
sleep 0.3
echo '{"k":"late","v":1,"ts":"2024-01-01 10:01:10"}' >> in/a.jsonl
end=$(($(now_ms) + 5000))
until [ "$(wc -l < out.txt)" -ge 2000 ]; do
  [ "$(now_ms)" -lt "$end" ] || fail "(2) the window did not close within 5 s: $(wc -l < out.txt) rows"
  sleep 0.02
done
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "(2) SIGTERM: exit $rc"
grep -q '2001 rows read' err.txt || fail "(2) rows read: $(cat err.txt)"
[ "$(wc -l < out.txt)" = 2000 ] || fail "(2) $(wc -l < out.txt) rows, expected the closed window's 2000"
# bytes N UNIT: N B / KiB / MiB in bytes
bytes() { awk -v n="$1" -v u="$2" 'BEGIN { m = u == "KiB" ? 1024 : u == "MiB" ? 1048576 : 1; printf "%d", n * m }'; }
line=$(grep -E '^  state  WindowAggregate ' err.txt) || fail "(2) no state line: $(cat err.txt)"
read -r peak peaku endb endu peakr endr < <(echo "$line" | sed -E 's/.* keeps ([0-9.]+) ([KM]?i?B) at peak, ([0-9.]+) ([KM]?i?B) at end; ([0-9]+) rows at peak, ([0-9]+) at end$/\1 \2 \3 \4 \5 \6/')
p=$(bytes "$peak" "$peaku")
e=$(bytes "$endb" "$endu")
[ "$p" -ge 50000 ] || fail "(2) peak $p B for 2000 keys: $line"
[ "$peakr" -ge 2000 ] && [ "$endr" -lt 10 ] || fail "(2) state rows: $peakr at peak, $endr at the stop: $line"
# one key stays in the open window; the next slice's map starts at the size of the last one
# freed (capacity is counted), so the state drops by a good factor, not to one key's bytes
[ "$e" -gt 0 ] && [ $((e * 4)) -lt "$p" ] || fail "(2) state at the stop $e B, peak $p B: $line"
echo "ok: state counted and freed (peak $p B, $e B after the window closed)"
