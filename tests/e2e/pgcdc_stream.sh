#!/usr/bin/env bash
# postgres-cdc against a real PostgreSQL 15: a consistent snapshot of 3000 rows, then the change
# stream while a writer inserts, updates and deletes (single statements and multi-statement
# transactions). sluice is SIGKILLed mid-stream and restarted with the same slot: it skips the
# snapshot and continues from the slot's confirmed position. The two runs' changelogs, applied
# in order as upserts by key, must equal the table's final contents (nothing lost); changes
# printed twice (after the last durable position) are counted. The slot's confirmed position
# must have advanced while running (sinks acknowledged epochs), and the slot is dropped.
. "$(dirname "$0")/lib/setup.sh"
. "$ROOT/tests/e2e/lib/pg.sh"
pg_start || fail "postgres did not start"
pgq "CREATE TABLE c (id int PRIMARY KEY, ver bigint NOT NULL, name text);
     ALTER TABLE c REPLICA IDENTITY FULL;
     INSERT INTO c SELECT g, 0, 'r' || g FROM generate_series(1, 3000) g" || fail "setup"
python3 - >writer.sql <<'PY'
import random
random.seed(7)
ids, nxt, out = list(range(1, 3001)), 3001, []
for k in range(1, 1201):
    r = random.random()
    if k % 25 == 0:
        a, b = random.sample(ids, 2)
        out.append(f"BEGIN; UPDATE c SET ver = {k}, name = 't{k}' WHERE id = {a}; "
                   f"DELETE FROM c WHERE id = {b}; INSERT INTO c VALUES ({nxt}, {k}, 'n{k}'); COMMIT;")
        ids.remove(b); ids.append(nxt); nxt += 1
    elif r < 0.4:
        out.append(f"INSERT INTO c VALUES ({nxt}, {k}, 'n{k}');"); ids.append(nxt); nxt += 1
    elif r < 0.8:
        out.append(f"UPDATE c SET ver = {k}, name = 'u{k}' WHERE id = {random.choice(ids)};")
    else:
        d = random.choice(ids); ids.remove(d); out.append(f"DELETE FROM c WHERE id = {d};")
    if k % 8 == 0:
        out.append("SELECT pg_sleep(0.01);")
print("\n".join(out))
PY
cat >p.sql <<SQL
SET 'execution.checkpointing.interval' = '200 ms';
CREATE TABLE c (id INT, ver BIGINT, name STRING) WITH ('connector' = 'postgres-cdc',
  'hostname' = '127.0.0.1', 'port' = '$PGPORT', 'database-name' = 'test',
  'table-name' = 'c', 'username' = 'postgres', 'slot.name' = 'sluice_e2e');
CREATE TABLE o (id INT, ver BIGINT, name STRING) WITH ('connector' = 'print');
INSERT INTO o SELECT * FROM c;
SQL
"$S" run p.sql -q -p 1 >run1.txt 2>run1.err &
pid=$!
for i in $(seq 1 300); do
  [ "$(pgq "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'sluice_e2e'")" = 1 ] && break
  sleep 0.05
done
start_lsn=$(pgq "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'sluice_e2e'")
[ -n "$start_lsn" ] || fail "no slot: $(cat run1.err)"
psql -X -q -v ON_ERROR_STOP=1 -f writer.sql >/dev/null 2>writer.err &
writer=$!
pids+=($writer)
# kill once the snapshot is out and stream changes have been printed
for i in $(seq 1 400); do
  [ "$(grep -c '^-U' run1.txt)" -ge 20 ] && break
  sleep 0.05
done
[ "$(grep -c '^-U' run1.txt)" -ge 20 ] || fail "no stream changes: $(cat run1.err)"
sleep 0.5
kill -9 $pid
wait $pid 2>/dev/null
advanced=$(pgq "SELECT confirmed_flush_lsn > '$start_lsn' FROM pg_replication_slots WHERE slot_name = 'sluice_e2e'")
[ "$advanced" = t ] || fail "the slot's confirmed position did not advance while running"
snap=$(grep -c '^+I\[[0-9]*, 0, r' run1.txt)
"$S" run p.sql -q -p 1 >run2.txt 2>run2.err &
pid=$!
wait $writer || fail "writer failed: $(cat writer.err)"
pgq "SELECT id, ver, name FROM c ORDER BY id" >want.txt
for i in $(seq 1 600); do
  python3 "$ROOT/tests/e2e/pgcdc_apply.py" run1.txt run2.txt >got.txt
  cmp -s got.txt want.txt && break
  sleep 0.1
done
cmp -s got.txt want.txt || fail "materialised changelog differs from the table: $(diff got.txt want.txt | head) $(cat run2.err)"
grep -q '^+I\[[0-9]*, 0, r' run2.txt && fail "the restart read the snapshot again"
dups=$(sort run1.txt run2.txt | uniq -d | wc -l)
kill $pid
wait $pid 2>/dev/null
pid=
[ "$snap" = 3000 ] || fail "snapshot rows in run 1: $snap"
echo "pgcdc_stream: $(wc -l <run1.txt) + $(wc -l <run2.txt) changelog rows, $dups printed twice after the restart"
pgq "SELECT pg_drop_replication_slot('sluice_e2e')" >/dev/null || fail "cannot drop the slot"
exit 0
