#!/usr/bin/env bash
# The jdbc connector's lookup tables and sink against a real PostgreSQL 15 (lib/pg.sh): a lookup
# join asks PostgreSQL per key (its index scans counted), through the cache when one is set; the
# upsert sink's table equals the materialised result of a GROUP BY with a HAVING (updates and
# deletes, one and two workers); COPY appends every type with tabs, newlines and backslashes;
# a polling source into the upsert sink commits its cursor only through the sink's barriers;
# passwords ('${VAR}', 'password-file', inside the url) appear in no output, error or dead letter.
. "$(dirname "$0")/lib/setup.sh"
. "$ROOT/tests/e2e/lib/pg.sh"
pg_start || fail "PostgreSQL did not start"

# 1. lookup join: each probe asks PostgreSQL (no cache), or each distinct key once (PARTIAL)
pgq "CREATE TABLE dim (k int PRIMARY KEY, name text, price numeric(10,2));
  INSERT INTO dim VALUES (1, 'one', 1.10), (2, 'two', 2.20), (3, 'three', NULL)"
printf 'id,k\n1,1\n2,2\n3,5\n4,3\n5,1\n6,2\n7,1\n' >orders.csv
idx_scans() { pgq "SELECT coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'dim'"; }
for cache in NONE PARTIAL; do
  cat >lookup.sql <<EOF
CREATE TABLE orders (id INT, k INT, proc_time AS PROCTIME()) WITH ('connector' = 'filesystem',
  'path' = 'orders.csv', 'format' = 'csv', 'csv.header' = 'true');
CREATE TABLE dim (k INT, name STRING, price DECIMAL(10,2)) WITH ('connector' = 'jdbc',
  'url' = '$PG_URL', 'table-name' = 'dim', 'lookup.cache' = '$cache');
CREATE TABLE o (id INT, name STRING, price DECIMAL(10,2)) WITH ('connector' = 'print');
INSERT INTO o SELECT o.id, d.name, d.price FROM orders AS o
  LEFT JOIN dim FOR SYSTEM_TIME AS OF o.proc_time AS d ON o.k = d.k;
EOF
  before=$(idx_scans)
  SLUICE_PARALLELISM=1 "$S" run lookup.sql -q >out.txt 2>err.txt || fail "lookup ($cache) failed"
  printf '%s\n' "+I[1, one, 1.10]" "+I[2, two, 2.20]" "+I[3, NULL, NULL]" "+I[4, three, NULL]" \
    "+I[5, one, 1.10]" "+I[6, two, 2.20]" "+I[7, one, 1.10]" | diff - out.txt || fail "lookup ($cache) rows"
  want=$([ $cache = NONE ] && echo 7 || echo 4) # a probe each, or each distinct key (5 missing)
  for i in $(seq 1 100); do [ $(($(idx_scans) - before)) -ge "$want" ] && break; sleep 0.1; done
  [ $(($(idx_scans) - before)) = "$want" ] || fail "lookup ($cache): $(($(idx_scans) - before)) asks, expected $want"
done
SLUICE_PARALLELISM=1 "$S" explain lookup.sql 2>&1 | grep -q "remote jdbc" || fail "explain: no remote lookup"

# 2. upsert sink = the materialised GROUP BY ... HAVING (rows leave when the HAVING fails)
python3 - <<'EOF'
import random
random.seed(7)
with open('sales.csv', 'w') as f:
    f.write('id,k,amount\n')
    for i in range(1, 4001):
        f.write(f'{i},{random.randint(1, 40)},{random.randint(1, 10000) / 100}\n')
EOF
pgq "CREATE TABLE agg (k int PRIMARY KEY, n bigint, total numeric(12,2))"
cat >agg.sql <<EOF
CREATE TABLE sales (id INT, k INT, amount DECIMAL(10,2)) WITH ('connector' = 'filesystem',
  'path' = 'sales.csv', 'format' = 'csv', 'csv.header' = 'true');
CREATE TABLE agg (k INT, n BIGINT, total DECIMAL(12,2), PRIMARY KEY (k) NOT ENFORCED)
  WITH ('connector' = 'jdbc', 'url' = '$PG_URL', 'table-name' = 'agg',
  'sink.buffer-flush.max-rows' = '37');
INSERT INTO agg SELECT k, COUNT(*), SUM(amount) FROM sales WHERE id % 10 <> 3 GROUP BY k
  HAVING COUNT(*) < 90;
EOF
pgq "CREATE TABLE sales (id int, k int, amount numeric(10,2))"
pgq "\\copy sales FROM 'sales.csv' CSV HEADER" 2>/dev/null || psql -X -q -c "\\copy sales FROM 'sales.csv' CSV HEADER"
pgq "SELECT k, count(*), sum(amount) FROM sales WHERE id % 10 <> 3 GROUP BY k HAVING count(*) < 90 ORDER BY k" >want.txt
[ "$(wc -l <want.txt)" -gt 5 ] && [ "$(wc -l <want.txt)" -lt 35 ] || fail "the HAVING keeps $(wc -l <want.txt) of 40 keys"
for p in 1 2; do
  pgq "TRUNCATE agg"
  SLUICE_PARALLELISM=$p "$S" run agg.sql -q 2>err.txt || fail "upsert -p $p failed"
  pgq "SELECT * FROM agg ORDER BY k" | diff want.txt - >diff.txt || fail "upsert -p $p: $(head diff.txt)"
done
SLUICE_PARALLELISM=1 "$S" explain agg.sql 2>&1 | grep -q "jdbc upsert by key into agg" || fail "explain: upsert"
# an updating query into a sink without a key is refused
sed 's/, PRIMARY KEY (k) NOT ENFORCED//' agg.sql >nokey.sql
"$S" run nokey.sql 2>err.txt && fail "an updating query into a keyless jdbc sink ran"
grep -q "needs the table's PRIMARY KEY" err.txt || fail "keyless: $(cat err.txt)"

# 3. COPY append: every type, NULLs, tab/newline/backslash/unicode
pgq "CREATE TABLE src (id int, s text, ts timestamptz, t timestamp, d date, x float8, b bool, n numeric(30,8));
INSERT INTO src VALUES (1, E'a\\tb\\nc\\\\\\\\d \\r é 😀', '2024-01-01 10:00:00.123+00', '2024-01-01 10:00:00.456',
  '2024-02-29', 1.5e300, true, 12345678901234567890.12345678),
  (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (3, '', '1969-12-31 23:59:59.999+00', '1970-01-01 00:00:00', '0001-01-01', -0.1, false, -0.00000001);
CREATE TABLE dst (LIKE src)"
COLS="id INT, s STRING, ts TIMESTAMP_LTZ(3), t TIMESTAMP(3), d DATE, x DOUBLE, b BOOLEAN, n DECIMAL(30,8)"
cat >copy.sql <<EOF
CREATE TABLE src ($COLS) WITH ('connector' = 'jdbc', 'url' = '$PG_URL', 'table-name' = 'src');
CREATE TABLE dst ($COLS) WITH ('connector' = 'jdbc', 'url' = '$PG_URL', 'table-name' = 'dst');
INSERT INTO dst SELECT * FROM src;
EOF
"$S" run copy.sql -q 2>err.txt || fail "copy failed"
[ "$(pgq "SELECT count(*) FROM dst")" = 3 ] || fail "copy: $(pgq "SELECT count(*) FROM dst") rows"
[ -z "$(pgq "SELECT * FROM src EXCEPT SELECT * FROM dst")" ] || fail "copy: rows differ: $(pgq "SELECT * FROM dst")"
grep -q "COPY append into dst" <("$S" explain copy.sql 2>&1) || fail "explain: COPY"

# 4. polling into the upsert sink: the cursor is committed only once the sink acknowledged
pgq "CREATE TABLE ev (id serial PRIMARY KEY, v text); INSERT INTO ev (v) SELECT 'x' || g FROM generate_series(1, 50) g;
  CREATE TABLE ev_copy (id int PRIMARY KEY, v text)"
cat >pipe.sql <<EOF
SET 'execution.checkpointing.interval' = '100 ms';
CREATE TABLE ev (id INT, v STRING) WITH ('connector' = 'jdbc', 'url' = '$PG_URL',
  'table-name' = 'ev', 'mode' = 'incrementing', 'incrementing.column.name' = 'id',
  'poll.interval.ms' = '50', 'offset.storage.table' = 'offs');
CREATE TABLE ev_copy (id INT, v STRING, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'jdbc',
  'url' = '$PG_URL', 'table-name' = 'ev_copy', 'sink.buffer-flush.interval' = '1 h',
  'sink.buffer-flush.max-rows' = '100000');
INSERT INTO ev_copy SELECT * FROM ev;
EOF
"$S" run pipe.sql -q 2>pipe.err &
pid=$!
for i in $(seq 1 300); do [ "$(pgq "SELECT inc FROM offs WHERE source = 'ev'" 2>/dev/null)" = 50 ] && break; sleep 0.1; done
[ "$(pgq "SELECT inc FROM offs WHERE source = 'ev'")" = 50 ] || fail "cursor not committed: $(cat pipe.err)"
# the barrier flushed the sink (its own flush interval is an hour)
[ "$(pgq "SELECT count(*) FROM ev_copy")" = 50 ] || fail "sink rows before the cursor: $(pgq "SELECT count(*) FROM ev_copy")"
kill -9 $pid; wait $pid 2>/dev/null; pid=

# 5. secrets: ${VAR}, 'password-file', and a url with a password never show
PW='Sup3r-Secr3t-pw-7Q'
pgq "CREATE ROLE sec LOGIN PASSWORD '$PW'; GRANT SELECT ON src TO sec; CREATE TABLE nums (id int, n numeric);
  INSERT INTO nums VALUES (1, 1.5), (2, 99999.5); GRANT SELECT ON nums TO sec"
pg_as sed -i "1i host all sec 127.0.0.1/32 scram-sha-256" "$PG_DIR/data/pg_hba.conf"
pgq "SELECT pg_reload_conf()" >/dev/null
printf '%s\n' "$PW" >pw.txt
secret_run() { # NAME AUTH-OPTIONS URL: runs, explains, and keeps every output
  cat >"$1.sql" <<EOF
CREATE TABLE nums (id INT, n DECIMAL(3,1)) WITH ('connector' = 'jdbc', 'url' = '$3',
  'table-name' = 'nums', 'username' = 'sec', $2 'dlq.path' = '$1.dlq');
CREATE TABLE o (id INT, n DECIMAL(3,1)) WITH ('connector' = 'print');
INSERT INTO o SELECT * FROM nums;
EOF
  SLUICE_PW="$4" "$S" run "$1.sql" >"$1.out" 2>"$1.err"
  echo "exit $?" >>"$1.out"
  SLUICE_PW="$4" "$S" explain "$1.sql" >>"$1.out" 2>>"$1.err"
}
secret_run env "'password' = '\${SLUICE_PW}'," "$PG_URL" "$PW"
secret_run file "'password-file' = '$T/pw.txt'," "$PG_URL" ""
secret_run url "" "jdbc:postgresql://sec:$PW@127.0.0.1:$PGPORT/test" ""
secret_run wrong "'password' = '\${SLUICE_PW}'," "$PG_URL" "${PW}-wrong"
for r in env file url; do
  grep -q '^+I\[1, 1.5\]$' $r.out || fail "secret $r: $(cat $r.out $r.err)"
  grep -q 99999.5 $r.dlq || fail "secret $r: no dead letter"
done
grep -q "password authentication failed" wrong.err || fail "wrong password: $(cat wrong.err)"
grep -q "@127.0.0.1" url.out || fail "url explain: $(cat url.out)"
if grep -l -- "Secr3t" ./*.out ./*.err ./*.dlq; then fail "the password leaked"; fi
echo ok
