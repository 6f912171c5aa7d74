#!/usr/bin/env bash
# 'table.exec.state.ttl' end to end, for each non-windowed stateful operator (GROUP BY, top-N
# and deduplication, OVER): a key idle longer than the TTL (processing time) is forgotten, so
# when it comes back it starts afresh (the documented trade-off); explain shows the TTL and the
# expired count; a window top-N and a batch run keep their state (no TTL).
. "$(dirname "$0")/lib/setup.sh"

ddl="SET 'table.exec.state.ttl' = '200 ms';
CREATE TABLE t (k BIGINT, v STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts)
  WITH ('connector' = 'filesystem', 'path' = '-', 'format' = 'json');
CREATE TABLE o WITH ('connector' = 'print');"
cat > agg.sql <<Q
$ddl
INSERT INTO o SELECT k, COUNT(*) AS n FROM t GROUP BY k;
Q
cat > topn.sql <<Q
$ddl
INSERT INTO o SELECT k, v FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v) AS rn
  FROM t) WHERE rn = 1;
Q
cat > over.sql <<Q
$ddl
INSERT INTO o SELECT k, v, COUNT(*) OVER (PARTITION BY k ORDER BY ts
  ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n FROM t;
Q
# key 1 twice, a pause longer than the TTL (key 2 arrives in the middle of it), key 1 again
feed() {
  echo '{"k":1,"v":"b","ts":"2024-01-01 00:00:01"}'
  echo '{"k":1,"v":"c","ts":"2024-01-01 00:00:02"}'
  sleep 0.5
  echo '{"k":2,"v":"x","ts":"2024-01-01 00:00:03"}'
  sleep 0.5
  echo '{"k":1,"v":"d","ts":"2024-01-01 00:00:04"}'
}
out=$(feed | "$S" run agg.sql -q 2>err.txt) || fail "agg: exit $?"
[ "$out" = "$(printf '+I[1, 1]\n-U[1, 1]\n+U[1, 2]\n+I[2, 1]\n+I[1, 1]')" ] || fail "agg: $out"
out=$(feed | "$S" run topn.sql -q 2>err.txt) || fail "topn: exit $?"
[ "$out" = "$(printf '+I[1, b]\n+I[2, x]\n+I[1, d]')" ] || fail "topn: $out"
out=$(feed | "$S" run over.sql -q 2>err.txt) || fail "over: exit $?"
[ "$out" = "$(printf '+I[1, b, 1]\n+I[1, c, 2]\n+I[2, x, 1]\n+I[1, d, 1]')" ] || fail "over: $out"
# without the TTL the same input keeps every key
for q in agg topn over; do sed "/state.ttl/d" $q.sql > no_$q.sql; done
out=$(feed | "$S" run no_topn.sql -q 2>err.txt) || fail "topn without ttl: exit $?"
[ "$out" = "$(printf '+I[1, b]\n+I[2, x]')" ] || fail "topn without ttl: $out"
out=$(feed | "$S" run no_over.sql -q 2>err.txt) || fail "over without ttl: exit $?"
[ "$out" = "$(printf '+I[1, b, 1]\n+I[1, c, 2]\n+I[2, x, 1]\n+I[1, d, 3]')" ] ||
  fail "over without ttl: $out"

# explain: every one shows its TTL; the window top-N and a batch run have none
for q in agg topn over; do
  "$S" explain $q.sql > plan.txt 2>err.txt || fail "explain $q: exit $?"
  grep -q "state ttl 200 ms, 0 .* expired" plan.txt || fail "explain $q: $(cat plan.txt)"
done
cat > win.sql <<Q
$ddl
INSERT INTO o SELECT k, v, window_start FROM (SELECT *, ROW_NUMBER() OVER (
  PARTITION BY window_start, window_end, k ORDER BY v) AS rn
  FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))) WHERE rn <= 2;
Q
"$S" explain win.sql > plan.txt 2>err.txt || fail "explain win: exit $?"
grep -q "window top-N" plan.txt || fail "explain win: $(cat plan.txt)"
grep -q "ttl" plan.txt && fail "explain win: a window top-N has no TTL: $(cat plan.txt)"
for q in agg topn over; do
  "$S" explain $q.sql --set execution.runtime-mode=batch > plan.txt 2>err.txt ||
    fail "explain $q batch: exit $?"
  [ $q = over ] || grep -q "batch" plan.txt || fail "explain $q batch: not batch: $(cat plan.txt)"
  grep -q "ttl" plan.txt && fail "explain $q batch: a batch run has no TTL: $(cat plan.txt)"
done
echo ok
