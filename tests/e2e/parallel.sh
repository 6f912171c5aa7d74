#!/usr/bin/env bash
# Parallel execution: two and three workers give the one-worker results (as multisets) for
# keyed aggregations, windows, joins, top-N and global aggregates over files read in chunks;
# every record is read exactly once, including records that cross chunk boundaries and one
# longer than a chunk; a record dead-lettered from the middle of a file carries its true line
# number; a CSV file is one split (explain says so); a failure on one worker fails the run and
# publishes nothing; SIGTERM stops an unbounded parallel run, which publishes and exits 0.
. "$(dirname "$0")/lib/setup.sh"

# 12,000 records (~100 bytes), in order of time; 64 KiB chunks: ~20 chunks per file, plus a
# 200 KB record in the middle of the first file
mkdir -p in && awk 'BEGIN {
  for (f = 1; f <= 2; f++) {
    out = "in/" f ".jsonl"
    for (i = 0; i < 6000; i++) {
      n = (f - 1) * 6000 + i
      if (f == 1 && i == 3000) {
        pad = sprintf("%200000s", ""); gsub(/ /, "p", pad)
        printf "{\"id\":-1,\"k\":7,\"v\":0,\"ts\":\"2024-01-01 00:00:00\",\"s\":\"%s\"}\n", pad > out
      }
      if (f == 2 && i == 4000) printf "{\"id\":\"bad\",\"k\":1}\n" > out
      t = n * 0.3
      printf "{\"id\":%d,\"k\":%d,\"v\":%d,\"ts\":\"2024-01-01 %02d:%02d:%02d\",\"s\":\"row %d of file %d\"}\n",
        n, (n * 7919) % 101, n % 13, int(t / 3600), int(t / 60) % 60, int(t) % 60, n, f > out
    }
  }
}'
cat >p.sql <<'Q'
CREATE TABLE t (id BIGINT, k INT, v INT, ts TIMESTAMP(3), s STRING,
  WATERMARK FOR ts AS ts - INTERVAL '1' HOUR)
  WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'json',
        'source.split-size' = '64kb', 'dlq.path' = 'dlq.jsonl');
CREATE TABLE all_rows WITH ('connector' = 'filesystem', 'path' = 'out/all.csv', 'format' = 'csv');
CREATE TABLE by_k WITH ('connector' = 'filesystem', 'path' = 'out/by_k.csv', 'format' = 'csv');
CREATE TABLE win WITH ('connector' = 'filesystem', 'path' = 'out/win.csv', 'format' = 'csv');
CREATE TABLE joined WITH ('connector' = 'filesystem', 'path' = 'out/joined.csv', 'format' = 'csv');
CREATE TABLE top2 WITH ('connector' = 'filesystem', 'path' = 'out/top2.csv', 'format' = 'csv');
CREATE TABLE total WITH ('connector' = 'filesystem', 'path' = 'out/total.csv', 'format' = 'csv');
CREATE TABLE bh WITH ('connector' = 'blackhole');
SET 'execution.runtime-mode' = 'batch';
EXECUTE STATEMENT SET BEGIN
INSERT INTO all_rows SELECT id, k, s FROM t;
INSERT INTO by_k SELECT k, COUNT(*) AS c, SUM(v) AS sv, MIN(s) AS mn, MAX(id) AS mx FROM t GROUP BY k;
INSERT INTO win SELECT k, window_start, COUNT(*) AS c, SUM(v) AS sv
  FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '10' MINUTE)) GROUP BY k, window_start, window_end;
INSERT INTO joined SELECT a.id AS aid, b.id AS bid FROM t a JOIN t b ON a.k = b.k AND a.v = b.v AND b.id = a.id + 101;
INSERT INTO top2 SELECT k, id FROM (SELECT k, id, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC, id) AS rn FROM t) WHERE rn <= 2;
INSERT INTO total SELECT COUNT(*) AS c, SUM(v) AS sv, COUNT(DISTINCT k) AS nk FROM t;
INSERT INTO bh SELECT * FROM t;
END;
Q
run() { # workers -> out.<workers>/
  rm -rf out dlq.jsonl
  "$S" run p.sql -p "$1" 2>"err.$1.txt" || fail "-p $1: exit $?: $(cat "err.$1.txt")"
  mkdir -p "sorted.$1"
  for f in out/*.csv; do LC_ALL=C sort "$f" >"sorted.$1/$(basename "$f")"; done
  cp dlq.jsonl "dlq.$1"
}
run 1
run 2
run 3
[ "$(wc -l <sorted.1/all.csv)" = 12001 ] || fail "one worker read $(wc -l <sorted.1/all.csv) rows, not 12001"
for w in 2 3; do
  diff -r sorted.1 "sorted.$w" >diff.txt || { head -20 diff.txt; fail "-p $w differs from -p 1"; }
  grep -q "12001 rows read, 1 dead-lettered" "err.$w.txt" || fail "-p $w summary: $(cat "err.$w.txt")"
  grep -q "on $w workers" "err.$w.txt" || fail "-p $w did not run on $w workers: $(cat "err.$w.txt")"
  # the dead letter from the middle of file 2 has its true line number (4001) whoever read it
  grep -q '"file":"in/2.jsonl","line":4001,' "dlq.$w" || fail "-p $w dead letter: $(cat "dlq.$w")"
done
[ "$(wc -l <sorted.1/by_k.csv)" = 101 ] || fail "by_k rows"
[ "$(cat sorted.1/total.csv)" = "12001,$(awk 'BEGIN{for(n=0;n<12000;n++)s+=n%13; print s}'),101" ] ||
  fail "total: $(cat sorted.1/total.csv)"

# CSV: one split per file; explain says it
cat >csv.sql <<'Q'
SET 'execution.runtime-mode' = 'batch';
CREATE TABLE c (id BIGINT, k INT, s STRING) WITH ('connector' = 'filesystem',
  'path' = 'sorted.1/all.csv', 'format' = 'csv', 'source.split-size' = '64kb');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'out/csv_by_k.csv', 'format' = 'csv');
INSERT INTO o SELECT k, COUNT(*) AS n FROM c GROUP BY k;
Q
"$S" explain csv.sql -p 2 >plan.txt 2>err.txt || fail "explain csv: $(cat err.txt)"
grep -q "one split per file" plan.txt || fail "explain does not say CSV is one split: $(cat plan.txt)"
"$S" explain p.sql -p 2 >plan2.txt 2>&1
grep -q "split into 64 KiB chunks" plan2.txt || fail "explain json source: $(head -3 plan2.txt)"
grep -q "ExchangeSend.*by hash of k" plan2.txt || fail "no hash exchange: $(cat plan2.txt)"
grep -q "every row to worker 0" plan2.txt || fail "no exchange to worker 0 for a file sink"

# a table that is a lookup join's dimension (every worker reads it whole) and also a stream
# elsewhere cannot be split: the run is one worker, and explain says why
printf '{"id":1,"n":"a"}\n{"id":2,"n":"b"}\n' >dim.jsonl
cat >lk.sql <<'Q'
CREATE TABLE dim (id INT, n STRING, PRIMARY KEY (id) NOT ENFORCED)
  WITH ('connector' = 'filesystem', 'path' = 'dim.jsonl', 'format' = 'json');
CREATE TABLE pr (id BIGINT, k INT, pt AS PROCTIME())
  WITH ('connector' = 'filesystem', 'path' = 'in/1.jsonl', 'format' = 'json');
CREATE TABLE o1 WITH ('connector' = 'blackhole');
CREATE TABLE o2 WITH ('connector' = 'blackhole');
INSERT INTO o1 SELECT pr.k, d.n FROM pr LEFT JOIN dim FOR SYSTEM_TIME AS OF pr.pt AS d ON pr.k = d.id;
INSERT INTO o2 SELECT id, n FROM dim;
Q
"$S" explain lk.sql -p 2 >plan3.txt 2>&1
grep -q "runs on 1 worker: the plan cannot be split (a table is both a lookup join" plan3.txt ||
  fail "explain of a dimension read twice: $(tail -2 plan3.txt)"
"$S" run lk.sql -p 2 >/dev/null 2>err.txt || fail "dimension read twice: $(cat err.txt)"
grep -q "6001 rows written" err.txt || fail "lookup join rows: $(cat err.txt)"

# a failure on any worker fails the run and publishes nothing
rm -rf out
sed "s|'dlq.path' = 'dlq.jsonl'|'on-error' = 'fail'|" p.sql >fail.sql
"$S" run fail.sql -p 2 >/dev/null 2>err.txt
rc=$?
[ "$rc" = 1 ] || fail "a decode error with 'on-error' = 'fail' on 2 workers: exit $rc"
grep -q "in/2.jsonl:4001" err.txt || fail "the failure does not name the record: $(cat err.txt)"
[ ! -e out/all.csv ] || fail "a failed parallel run published out/all.csv"

# SIGTERM stops an unbounded parallel run: published, exit 0
mkdir -p mon && head -100 in/1.jsonl >mon/a.jsonl
cat >mon.sql <<'Q'
CREATE TABLE m (id BIGINT, k INT) WITH ('connector' = 'filesystem', 'path' = 'mon',
  'format' = 'json', 'source.monitor-interval' = '100 ms');
CREATE TABLE o (k INT, c BIGINT, PRIMARY KEY (k) NOT ENFORCED)
  WITH ('connector' = 'filesystem', 'path' = 'mon_out.jsonl', 'format' = 'json');
INSERT INTO o SELECT k, COUNT(*) FROM m GROUP BY k;
Q
"$S" run mon.sql -p 2 >/dev/null 2>err.txt &
pid=$!
for _ in $(seq 100); do grep -q . mon_out.jsonl 2>/dev/null && break; sleep 0.1; done
sleep 0.5
kill -TERM $pid
wait $pid
rc=$?
pid=
[ "$rc" = 0 ] || fail "SIGTERM on an unbounded 2-worker run: exit $rc"
[ "$(jq -s 'map(.c) | add' mon_out.jsonl)" = 100 ] || fail "published counts: $(cat mon_out.jsonl)"
echo ok
