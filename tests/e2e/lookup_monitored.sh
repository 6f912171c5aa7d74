#!/usr/bin/env bash
# A lookup join against a monitored dimension file with a PRIMARY KEY: the dimension is read
# (caught up) before the first order; a row appended to it later replaces the row of its key,
# and orders that arrive after that see the new row, while rows emitted before keep the old
# one (Flink's lookup semantics). A key added later is found from then on; a '-D' in a
# changelog dimension would delete it (covered by the unit tests). SIGTERM ends the run.
. "$(dirname "$0")/lib/setup.sh"
# expect ROW: wait until the print output has ROW (up to 5 s)
expect() {
  local end=$(($(now_ms) + 5000))
  until grep -qxF -- "$1" out.txt; do
    [ "$(now_ms)" -lt "$end" ] || fail "row $1 did not arrive within 5 s; output: $(cat out.txt)"
    sleep 0.01
  done
}
mkdir -p dim orders
echo '{"id": 1, "name": "ann"}' > dim/c.jsonl
echo '{"oid": 100, "cid": 1}' > orders/o.jsonl
cat > p.sql <<'Q'
CREATE TABLE customers (id INT, name STRING, PRIMARY KEY (id) NOT ENFORCED)
  WITH ('connector' = 'filesystem', 'path' = 'dim', 'format' = 'json',
        'source.monitor-interval' = '1 h');
CREATE TABLE orders (oid INT, cid INT, pt AS PROCTIME())
  WITH ('connector' = 'filesystem', 'path' = 'orders', 'format' = 'json',
        'source.monitor-interval' = '1 h');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT o.oid, c.name FROM orders AS o
  LEFT JOIN customers FOR SYSTEM_TIME AS OF o.pt AS c ON o.cid = c.id;
Q
"$S" explain p.sql > explain.txt 2>&1 || fail "explain: $(cat explain.txt)"
grep -qE 'LookupJoin' explain.txt || fail "no lookup join in explain: $(cat explain.txt)"
"$S" run p.sql > out.txt 2> err.txt &
pid=$!
expect '+I[100, ann]' # the dimension was read before the first order
echo '{"oid": 101, "cid": 2}' >> orders/o.jsonl
expect '+I[101, NULL]'
printf '%s\n' '{"id": 1, "name": "anne"}' '{"id": 2, "name": "bob"}' >> dim/c.jsonl
sleep 0.5 # the dimension's new rows are read (inotify) before the next orders are written
echo '{"oid": 102, "cid": 1}' >> orders/o.jsonl
echo '{"oid": 103, "cid": 2}' >> orders/o.jsonl
expect '+I[102, anne]'
expect '+I[103, bob]'
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "SIGTERM: exit $rc"
[ "$(wc -l < out.txt)" = 4 ] || fail "expected 4 rows: $(cat out.txt)"
grep -qxF '+I[100, ann]' out.txt || fail "an earlier result changed: $(cat out.txt)"
echo "ok: lookup join follows a monitored dimension by primary key"
