#!/usr/bin/env bash
# Join state is bounded and freed, and explain says so. (1) explain: the interval, window and
# temporal joins say how long their state lives; a regular join without a TTL over an unbounded
# input warns "unbounded state", and with 'table.exec.state.ttl' or a STATE_TTL hint says the
# TTL instead. (2) Bounded runs over 20,000 rows a side spread over 20,000 seconds: the
# interval join (bound 10 s), the window join (1-minute windows) and the temporal join (one
# key, a new version every second) keep a small fraction of their input at their peak (the
# watermark frees it as it passes) and nothing at the end; the regular join, which has no time
# bound, keeps every row. Each join's output is counted. (3) A lookup table updated 200,000
# times keeps only its live rows' memory.
. "$(dirname "$0")/lib/setup.sh"
awk 'BEGIN { for (i = 0; i < 20000; i++) {
  t = 1704103200 + i; # 2024-01-01 10:00:00 UTC + i s
  printf "{\"k\":%d,\"v\":%d,\"ts\":\"%s\"}\n", i % 50, i, strftime("%Y-%m-%d %H:%M:%S", t, 1) } }' > a.jsonl
cp a.jsonl b.jsonl
awk 'BEGIN { for (i = 0; i < 20000; i++) {
  t = 1704103200 + i
  printf "{\"cur\":\"EUR\",\"rate\":%d,\"ts\":\"%s\"}\n", i, strftime("%Y-%m-%d %H:%M:%S", t, 1) } }' > rates.jsonl
tables() {
  cat <<Q
CREATE TABLE a (k INT, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'filesystem', 'path' = 'a.jsonl', 'format' = 'json' $1);
CREATE TABLE b (k INT, v INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'filesystem', 'path' = 'b.jsonl', 'format' = 'json');
CREATE TABLE rates (cur STRING, rate INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts,
  PRIMARY KEY (cur) NOT ENFORCED)
  WITH ('connector' = 'filesystem', 'path' = 'rates.jsonl', 'format' = 'json');
CREATE TABLE o1 WITH ('connector' = 'blackhole');
CREATE TABLE o2 WITH ('connector' = 'blackhole');
CREATE TABLE o3 WITH ('connector' = 'blackhole');
CREATE TABLE o4 WITH ('connector' = 'blackhole');
Q
}
queries() {
  cat <<Q
INSERT INTO o1 SELECT a.v, b.v FROM a, b WHERE a.v = b.v AND b.ts BETWEEN a.ts - INTERVAL '10' SECOND AND a.ts + INTERVAL '10' SECOND;
INSERT INTO o2 SELECT L.v, R.v FROM (SELECT * FROM TABLE(TUMBLE(TABLE a, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) L
  JOIN (SELECT * FROM TABLE(TUMBLE(TABLE b, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) R
  ON L.v = R.v AND L.window_start = R.window_start AND L.window_end = R.window_end;
INSERT INTO o3 SELECT x.v, r.rate FROM (SELECT v, ts, 'EUR' AS cur FROM a) x
  JOIN rates FOR SYSTEM_TIME AS OF x.ts AS r ON x.cur = r.cur;
INSERT INTO o4 SELECT $1 a.v, b.v FROM a JOIN b ON a.v = b.v;
Q
}
# (1) explain
{ tables ", 'source.monitor-interval' = '1 h'"; queries ''; } > p.sql
"$S" explain p.sql > explain.txt 2> err.txt || fail "(1) explain: exit $?"
for want in 'IntervalJoin.*until the watermark passes' 'WindowJoin.*until the watermark passes window_end' \
  'TemporalJoin.*until the watermark' 'Join .*WARNING unbounded state'; do
  grep -qE "$want" explain.txt || fail "(1) explain has no line matching '$want': $(cat explain.txt)"
done
{ echo "SET 'table.exec.state.ttl' = '1 h';"; tables ", 'source.monitor-interval' = '1 h'"; queries ''; } > p.sql
"$S" explain p.sql > explain.txt 2> err.txt || fail "(1) explain with a TTL: exit $?"
grep -q 'WARNING' explain.txt && fail "(1) a TTL still warns: $(cat explain.txt)"
grep -qE 'Join .*1 h after its key' explain.txt || fail "(1) no TTL in explain: $(cat explain.txt)"
{ tables ", 'source.monitor-interval' = '1 h'"; queries "/*+ STATE_TTL('a' = '2h', 'b' = '30min') */"; } > p.sql
"$S" explain p.sql > explain.txt 2> err.txt || fail "(1) explain with a hint: exit $?"
grep -qE 'Join .*left rows 2 h, right rows 30 min' explain.txt ||
  fail "(1) the STATE_TTL hint is not in explain: $(cat explain.txt)"
# (2) bounded runs: state peaks, is freed, the results are complete
{ tables ''; queries ''; } > p.sql
"$S" run p.sql > /dev/null 2> err.txt || fail "(2) run: exit $?"
# every join matches each row with its twin (equal v) on the other side: 20,000 rows each
grep -q 'o1  *20000 rows written' err.txt || fail "(2) interval join rows: $(cat err.txt)"
grep -q 'o2  *20000 rows written' err.txt || fail "(2) window join rows: $(cat err.txt)"
grep -q 'o3  *20000 rows written' err.txt || fail "(2) temporal join rows: $(cat err.txt)"
grep -q 'o4  *20000 rows written' err.txt || fail "(2) regular join rows: $(cat err.txt)"
rows() { # KIND -> "peak end" state rows of its summary line
  grep -E "^  state  $1 " err.txt | sed -E 's/.*; ([0-9]+) rows at peak, ([0-9]+) at end$/\1 \2/'
}
for kind in IntervalJoin WindowJoin TemporalJoin; do
  read -r peak end < <(rows "$kind")
  [ -n "${peak:-}" ] || fail "(2) no state rows for $kind: $(cat err.txt)"
  [ "$peak" -gt 0 ] && [ "$peak" -lt 4000 ] || fail "(2) $kind kept $peak rows at its peak (of 40,000; a batch of 1,024 a side is read before the watermark moves)"
  [ "$end" = 0 ] || fail "(2) $kind keeps $end rows at the end"
  grep -E "^  state  $kind " err.txt | grep -q ', 0 B at end' || fail "(2) $kind keeps bytes at the end: $(cat err.txt)"
done
read -r peak end < <(rows 'Join')
[ "${peak:-0}" -ge 40000 ] || fail "(2) the regular join kept ${peak:-?} rows, expected all 40,000"
# (3) a lookup join's table that changes all the time keeps only its live rows: 200,000 rows
# update 100 keys (by PRIMARY KEY) with 100-character names; the replaced rows' memory is given
# back as the table is compacted, so the peak stays near the 100 live rows, far below the
# 40 MB the updates add up to; the probes see each key's last row
awk 'BEGIN { pad = sprintf("%100s", ""); gsub(/ /, "x", pad)
  for (i = 0; i < 200000; i++) printf "{\"id\":%d,\"name\":\"%s%d\"}\n", i % 100, pad, i }' > dim.jsonl
awk 'BEGIN { for (i = 0; i < 100; i++) printf "{\"oid\":%d,\"cid\":%d}\n", i, i }' > probe.jsonl
cat > l.sql <<'Q'
CREATE TABLE dim (id INT, name STRING, PRIMARY KEY (id) NOT ENFORCED)
  WITH ('connector' = 'filesystem', 'path' = 'dim.jsonl', 'format' = 'json');
CREATE TABLE probe (oid INT, cid INT, pt AS PROCTIME())
  WITH ('connector' = 'filesystem', 'path' = 'probe.jsonl', 'format' = 'json');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'o.csv', 'format' = 'csv');
INSERT INTO o SELECT p.oid, SUBSTRING(d.name, 100) AS tail FROM probe AS p
  JOIN dim FOR SYSTEM_TIME AS OF p.pt AS d ON p.cid = d.id;
Q
"$S" run l.sql > /dev/null 2> err.txt || fail "(3) run: exit $?"
[ "$(wc -l < o.csv)" = 100 ] || fail "(3) $(wc -l < o.csv) joined rows, expected 100"
grep -qx '7,x199907' o.csv || fail "(3) key 7 did not join its last row: $(grep '^7,' o.csv)"
line=$(grep -E '^  state  LookupJoin ' err.txt) || fail "(3) no state line: $(cat err.txt)"
peak=$(echo "$line" | sed -E 's/.* keeps ([0-9.]+) ([KM]?i?B) at peak.*/\1 \2/')
read -r n u <<< "$peak"
[ "$u" = B ] || [ "$u" = KiB ] || { [ "$u" = MiB ] && awk -v n="$n" 'BEGIN { exit !(n < 8) }'; } ||
  fail "(3) the changing table kept $peak at its peak: $line"
echo "ok: join state bounded by time and freed; explain and the TTL; a changing lookup table compacted"
