#!/usr/bin/env bash
# datagen end to end: (1) an unbounded generator paced at 'rows-per-second' is stopped by
# SIGTERM: it has made about rate x time rows (not as many as it could), publishes what was
# written and exits 0; (2) a bounded one
# ('number-of-rows', 'unlimited') writes exactly that many rows and explain shows the columns
# it generates; (3) the same seed gives the same file twice.
. "$(dirname "$0")/lib/setup.sh"

cat > slow.sql <<'Q'
CREATE TABLE g (id BIGINT, v DOUBLE) WITH ('connector' = 'datagen', 'rows-per-second' = '200',
  'fields.id.kind' = 'random', 'fields.v.min' = '0', 'fields.v.max' = '1');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'slow', 'format' = 'csv');
INSERT INTO o SELECT id, v FROM g;
Q
"$S" run slow.sql 2>err.txt &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "(1) exit $rc, expected 0 for a stopped unbounded run"
n=$(cat slow/part-* 2>/dev/null | wc -l)
[ "$n" -ge 100 ] && [ "$n" -le 400 ] || fail "(1) $n rows in about 1 s at 200 rows per second"
grep -q "rows read" err.txt || fail "(1) no summary"

cat > fast.sql <<'Q'
CREATE TABLE g (id BIGINT, k INT, s STRING) WITH ('connector' = 'datagen',
  'rows-per-second' = 'unlimited', 'number-of-rows' = '100000', 'seed' = '5',
  'fields.k.min' = '0', 'fields.k.max' = '9', 'fields.s.length' = '4');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'fast.csv', 'format' = 'csv');
INSERT INTO o SELECT k, s FROM g WHERE k < 5;
Q
"$S" run fast.sql 2>err.txt || fail "(2) run failed"
grep -q "source g                100000 rows read" err.txt || fail "(2) summary: $(cat err.txt)"
n=$(wc -l < fast.csv)
[ "$n" -gt 45000 ] && [ "$n" -lt 55000 ] || fail "(2) $n rows with k < 5 of 100000"
"$S" explain fast.sql > plan.txt 2>&1 || fail "(2) explain failed"
grep -q "datagen, 2 of 3 columns, 100000 rows" plan.txt || fail "(2) explain: $(cat plan.txt)"
mv fast.csv first.csv
"$S" run fast.sql -q 2>err.txt || fail "(3) run failed"
cmp -s first.csv fast.csv || fail "(3) the same seed made other rows"
exit 0
