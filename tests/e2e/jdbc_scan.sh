#!/usr/bin/env bash
# The jdbc connector against a real PostgreSQL 15 (lib/pg.sh): a bounded scan of every
# supported type (NULLs, unicode, numeric precision, extreme values) equals the table; a scan
# cut into ranges on two workers equals the table; arrays, bytea and mismatched types are
# refused at start with both types named.
. "$(dirname "$0")/lib/setup.sh"
. "$ROOT/tests/e2e/lib/pg.sh"
pg_start || fail "PostgreSQL did not start"

# 1. every supported type, NULLs, unicode, numeric precision
pgq "CREATE TABLE t (id int, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
  n numeric(38,10), s text, v varchar(10), c char(3), j json, jb jsonb, u uuid, d date,
  ts timestamp, tz timestamptz, tm time);
INSERT INTO t VALUES
 (1, true, 1, 2, 9000000000, 1.5, 2.25, 1234567890123456789012345678.0123456789, 'héllo 日本 😀',
  'vv', 'ab', '{\"a\": 1}', '{\"b\": [1,2]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '2024-02-29',
  '2024-01-02 03:04:05.678901', '2024-01-02 03:04:05.678+02', '12:34:56'),
 (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 (3, false, -32768, -2147483648, -9223372036854775808, 'NaN', '-Infinity', -0.0000000001,
  E'tab\there', '', '  ', 'null', '[]', '00000000-0000-0000-0000-000000000000', '0001-01-01',
  '1970-01-01 00:00:00', '1969-12-31 23:59:59.999Z', '00:00:00')" || fail "setup"
COLS="id INT, b BOOLEAN, i2 INT, i4 INT, i8 BIGINT, f4 FLOAT, f8 DOUBLE, n DECIMAL(38,10),
  s STRING, v VARCHAR(10), c STRING, j STRING, jb STRING, u STRING, d DATE, ts TIMESTAMP(3),
  tz TIMESTAMP_LTZ(3), tm STRING"
cat >types.sql <<EOF
CREATE TABLE t ($COLS) WITH ('connector' = 'jdbc', 'url' = 'jdbc:$PG_URL', 'table-name' = 't',
  'scan.fetch-size' = '2');
CREATE TABLE o ($COLS) WITH ('connector' = 'print');
INSERT INTO o SELECT * FROM t;
EOF
"$S" run types.sql -q >out.txt 2>err.txt || fail "types scan failed"
cat >want.txt <<'EOF'
+I[1, true, 1, 2, 9000000000, 1.5, 2.25, 1234567890123456789012345678.0123456789, héllo 日本 😀, vv, ab , {"a": 1}, {"b": [1, 2]}, a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11, 2024-02-29, 2024-01-02 03:04:05.678, 2024-01-02 01:04:05.678, 12:34:56]
+I[2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL]
+I[3, false, -32768, -2147483648, -9223372036854775808, NaN, -Infinity, -0.0000000001, tab	here, ,    , null, [], 00000000-0000-0000-0000-000000000000, 0001-01-01, 1970-01-01 00:00:00.000, 1969-12-31 23:59:59.999, 00:00:00]
EOF
sort out.txt | diff want.txt - >diff.txt || fail "types scan differs: $(cat diff.txt)"

# a numeric beyond the declared precision is a dead letter, not a wrong number
pgq "CREATE TABLE nums (id int, n numeric); INSERT INTO nums VALUES (1, 12.5), (2, 123456.789), (3, 'NaN')"
cat >nums.sql <<EOF
CREATE TABLE nums (id INT, n DECIMAL(5,2)) WITH ('connector' = 'jdbc', 'url' = '$PG_URL',
  'table-name' = 'nums', 'dlq.path' = 'dlq.jsonl');
CREATE TABLE o (id INT, n DECIMAL(5,2)) WITH ('connector' = 'print');
INSERT INTO o SELECT * FROM nums;
EOF
"$S" run nums.sql -q >out.txt 2>err.txt || fail "nums scan failed"
[ "$(cat out.txt)" = "+I[1, 12.50]" ] || fail "nums: $(cat out.txt)"
[ "$(wc -l <dlq.jsonl)" = 2 ] && grep -q "123456.789" dlq.jsonl && grep -q "column 'n'" dlq.jsonl ||
  fail "nums dead letters: $(cat dlq.jsonl)"

# 2. ranges on two workers (NULL and out-of-bounds ids included) equal the table
pgq "CREATE TABLE big AS SELECT g AS id, md5(g::text) AS h, (g % 7)::numeric(10,2) AS n
  FROM generate_series(1, 30000) g; INSERT INTO big VALUES (NULL, 'nullid', 0), (-5, 'neg', 1)"
cat >part.sql <<EOF
CREATE TABLE big (id BIGINT, h STRING, n DECIMAL(10,2)) WITH ('connector' = 'jdbc',
  'url' = '$PG_URL', 'table-name' = 'big', 'scan.partition.column' = 'id',
  'scan.partition.num' = '5', 'scan.partition.lower-bound' = '10',
  'scan.partition.upper-bound' = '20000', 'scan.fetch-size' = '700');
CREATE TABLE o (id BIGINT, h STRING, n DECIMAL(10,2)) WITH ('connector' = 'filesystem',
  'path' = 'out.csv', 'format' = 'csv');
INSERT INTO o SELECT * FROM big;
EOF
psql -X -A -t -F, -c "SELECT id, h, n FROM big" | sort >want.csv
for p in 1 2; do
  rm -f out.csv
  SLUICE_PARALLELISM=$p "$S" run part.sql -q 2>err.txt || fail "ranges -p $p failed"
  sort out.csv | cmp -s - want.csv || fail "ranges -p $p: $(wc -l <out.csv) rows differ from the table"
done
SLUICE_PARALLELISM=2 "$S" explain part.sql >plan.txt 2>&1 || fail "explain failed"
grep -q "5 ranges of id" plan.txt || fail "explain: $(cat plan.txt)"

# 3. refused at start: arrays, bytea, a type that cannot convert (both types named)
pgq "CREATE TABLE odd (id int, tags text[], bin bytea)"
check_refused() { # DECL WANT
  cat >bad.sql <<EOF
CREATE TABLE odd ($1) WITH ('connector' = 'jdbc', 'url' = '$PG_URL', 'table-name' = 'odd');
CREATE TABLE o ($1) WITH ('connector' = 'print');
INSERT INTO o SELECT * FROM odd;
EOF
  "$S" run bad.sql >out.txt 2>err.txt && fail "'$1' was accepted"
  grep -qF "$2" err.txt || fail "'$1': $(cat err.txt)"
}
check_refused "tags STRING" "column 'tags' is an array (text[])"
check_refused "bin STRING" "column 'bin' is bytea"
check_refused "id TIMESTAMP(3)" "column 'id' is integer in PostgreSQL, which cannot be read as TIMESTAMP(3)"
check_refused "nope INT" 'column "nope" does not exist'
echo ok
