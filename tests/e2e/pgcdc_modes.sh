#!/usr/bin/env bash
# postgres-cdc against a real PostgreSQL 15, one server for several cases:
# - types: every supported PostgreSQL type into its declared column, from the snapshot and from
#   the stream (NULLs too), compared with the expected printed rows; a value that does not fit
#   its column goes to the dead-letter file with its LSN;
# - DEFAULT replica identity: an update's -U carries the key (other columns NULL), a delete the
#   key;
# - 'scan.startup.mode' = 'latest-offset': rows already there are not read;
# - schema changes: ADD COLUMN is ignored, DROP COLUMN of a declared column stops the run with a
#   message naming it;
# - a sink that acknowledges nothing while running (the filesystem upsert sink) keeps the slot's
#   confirmed position where it was, though status updates go out every 50 ms.
. "$(dirname "$0")/lib/setup.sh"
. "$ROOT/tests/e2e/lib/pg.sh"
pg_start || fail "postgres did not start"
conn="'connector' = 'postgres-cdc', 'hostname' = '127.0.0.1', 'port' = '$PGPORT',
  'database-name' = 'test', 'username' = 'postgres'"
slot_lsn() { pgq "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '$1'"; }
wait_slot() {
  for i in $(seq 1 300); do [ -n "$(slot_lsn "$1")" ] && return 0; sleep 0.05; done
  fail "slot $1 never appeared: $(cat "$2")"
}
wait_lines() { # FILE N PATTERN
  for i in $(seq 1 400); do [ "$(grep -c "$3" "$1")" -ge "$2" ] && return 0; sleep 0.05; done
  fail "$1 has $(grep -c "$3" "$1") lines matching $3, expected $2: $(cat "$1")"
}

# ---- types ----
pgq "CREATE TABLE tt (id int PRIMARY KEY, b bool, s smallint, i int, l bigint, r real,
       d double precision, n numeric(20,6), tx text, vc varchar(10), ch char(3), dt date,
       ts timestamp, tz timestamptz, js jsonb, u uuid, small numeric);
     ALTER TABLE tt REPLICA IDENTITY FULL;
     INSERT INTO tt VALUES (1, true, -32768, 2147483647, -9223372036854775808, 1.5, 2.25,
       12345678901234.123456, 'héllo, \"x\"', 'v', 'ab', '2024-02-29', '2024-01-02 03:04:05.678',
       '2024-01-02 03:04:05.678+02', '{\"a\": [1, 2]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1.5),
       (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
cat >types.sql <<SQL
SET 'execution.checkpointing.interval' = '200 ms';
CREATE TABLE tt (id INT, b BOOLEAN, s INT, i INT, l BIGINT, r FLOAT, d DOUBLE, n DECIMAL(20, 6),
  tx STRING, vc STRING, ch STRING, dt DATE, ts TIMESTAMP(3), tz TIMESTAMP_LTZ(3), js STRING,
  u STRING, small DECIMAL(5, 2)) WITH ($conn, 'table-name' = 'tt', 'slot.name' = 'types',
  'dlq.path' = '$T/dlq.jsonl');
CREATE TABLE o (id INT, b BOOLEAN, s INT, i INT, l BIGINT, r FLOAT, d DOUBLE, n DECIMAL(20, 6),
  tx STRING, vc STRING, ch STRING, dt DATE, ts TIMESTAMP(3), tz TIMESTAMP_LTZ(3), js STRING,
  u STRING, small DECIMAL(5, 2)) WITH ('connector' = 'print');
INSERT INTO o SELECT * FROM tt;
SQL
"$S" run types.sql -q -p 1 >types.txt 2>types.err &
pid=$!
wait_lines types.txt 2 '^+I'
pgq "INSERT INTO tt VALUES (3, false, 7, 8, 9, -0.5, 1e300, -0.000001, '', 'x', 'abc',
       '1970-01-01', '1999-12-31 23:59:59', '2000-01-01 00:00:00+00', 'null',
       '00000000-0000-0000-0000-000000000000', -999.99);
     INSERT INTO tt (id, small) VALUES (4, 12345.678);
     UPDATE tt SET tx = 'changed' WHERE id = 1; DELETE FROM tt WHERE id = 2"
wait_lines types.txt 6 '^[-+][IUD]'
for i in $(seq 1 100); do [ -s dlq.jsonl ] && break; sleep 0.05; done
kill $pid; wait $pid 2>/dev/null; pid=
cat >types.want <<'W'
+I[1, true, -32768, 2147483647, -9223372036854775808, 1.5, 2.25, 12345678901234.123456, héllo, "x", v, ab , 2024-02-29, 2024-01-02 03:04:05.678, 2024-01-02 01:04:05.678, {"a": [1, 2]}, a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11, 1.50]
+I[2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL]
+I[3, false, 7, 8, 9, -0.5, 1.0E300, -0.000001, , x, abc, 1970-01-01, 1999-12-31 23:59:59.000, 2000-01-01 00:00:00.000, null, 00000000-0000-0000-0000-000000000000, -999.99]
-U[1, true, -32768, 2147483647, -9223372036854775808, 1.5, 2.25, 12345678901234.123456, héllo, "x", v, ab , 2024-02-29, 2024-01-02 03:04:05.678, 2024-01-02 01:04:05.678, {"a": [1, 2]}, a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11, 1.50]
+U[1, true, -32768, 2147483647, -9223372036854775808, 1.5, 2.25, 12345678901234.123456, changed, v, ab , 2024-02-29, 2024-01-02 03:04:05.678, 2024-01-02 01:04:05.678, {"a": [1, 2]}, a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11, 1.50]
-D[2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL]
W
diff types.txt types.want >types.diff || fail "types differ: $(cat types.diff) $(cat types.err)"
grep -q '"stage":"convert".*LSN [0-9A-F]*/[0-9A-F]*: column .small.: cannot read .12345.678' dlq.jsonl ||
  fail "no dead letter for the value that does not fit: $(cat dlq.jsonl)"

# ---- DEFAULT replica identity, latest-offset, schema changes ----
pgq "CREATE TABLE c2 (id int PRIMARY KEY, name text, qty int);
     INSERT INTO c2 SELECT g, 'old' || g, g FROM generate_series(1, 5) g"
cat >latest.sql <<SQL
SET 'execution.checkpointing.interval' = '200 ms';
CREATE TABLE c2 (id INT, name STRING, qty INT) WITH ($conn, 'table-name' = 'c2',
  'slot.name' = 'latest', 'scan.startup.mode' = 'latest-offset');
CREATE TABLE o (id INT, name STRING, qty INT) WITH ('connector' = 'print');
INSERT INTO o SELECT * FROM c2;
SQL
"$S" explain latest.sql >explain.txt 2>&1 || fail "explain: $(cat explain.txt)"
grep -q "committed every 200 ms" explain.txt || fail "explain does not say positions are committed: $(cat explain.txt)"
"$S" run latest.sql -q -p 1 >latest.txt 2>latest.err &
pid=$!
wait_slot latest latest.err
pgq "INSERT INTO c2 VALUES (6, 'new', 6); UPDATE c2 SET qty = 30 WHERE id = 3;
     DELETE FROM c2 WHERE id = 4; ALTER TABLE c2 ADD COLUMN extra int;
     INSERT INTO c2 VALUES (7, 'seven', 7, 77)"
wait_lines latest.txt 5 '^[-+][IUD]'
printf '%s\n' '+I[6, new, 6]' '-U[3, NULL, NULL]' '+U[3, old3, 30]' '-D[4, NULL, NULL]' \
  '+I[7, seven, 7]' >latest.want
pgq "ALTER TABLE c2 DROP COLUMN name; INSERT INTO c2 VALUES (8, 8, 88)"
for i in $(seq 1 200); do kill -0 $pid 2>/dev/null || break; sleep 0.05; done
wait $pid
rc=$?
pid=
diff <(grep '^[-+][IUD]' latest.txt) latest.want >latest.diff || fail "latest-offset: $(cat latest.diff)"
[ "$rc" = 1 ] || fail "DROP COLUMN: exit $rc, expected 1: $(cat latest.err)"
grep -q "no longer has the declared column 'name'" latest.err || fail "DROP COLUMN message: $(cat latest.err)"

# ---- a sink that acknowledges nothing while running holds the slot ----
pgq "CREATE TABLE c3 (id int PRIMARY KEY, v int); INSERT INTO c3 VALUES (1, 1)"
cat >held.sql <<SQL
SET 'execution.checkpointing.interval' = '100 ms';
CREATE TABLE c3 (id INT, v INT) WITH ($conn, 'table-name' = 'c3', 'slot.name' = 'held',
  'status-interval' = '50 ms');
CREATE TABLE o (id INT, v INT, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'filesystem',
  'path' = '$T/held', 'format' = 'json');
INSERT INTO o SELECT * FROM c3;
SQL
"$S" run held.sql -q -p 1 >held.txt 2>held.err &
pid=$!
wait_slot held held.err
before=$(slot_lsn held)
for k in 2 3 4 5 6; do pgq "INSERT INTO c3 VALUES ($k, $k)"; sleep 0.1; done
sleep 0.5
after=$(slot_lsn held)
kill -0 $pid 2>/dev/null || fail "held run ended: $(cat held.err)"
kill -9 $pid; wait $pid 2>/dev/null; pid=
[ "$before" = "$after" ] || fail "the slot advanced from $before to $after with a sink that acknowledged nothing"
for s in types latest held; do pgq "SELECT pg_drop_replication_slot('$s')" >/dev/null || fail "drop $s"; done
exit 0
