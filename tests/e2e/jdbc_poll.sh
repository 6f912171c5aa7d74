#!/usr/bin/env bash
# The jdbc source polling a real PostgreSQL 15 (lib/pg.sh): the late-commit test (a transaction
# that took a lower id commits after later ones were polled: its row arrives; with the
# in-flight guard off the same sequence loses it, which shows the test can fail), each polling
# mode under concurrent inserts and updates (pgbench) against the table's final contents, bulk
# mode, and the committed cursor kept in 'offset.storage.table' across a restart.
. "$(dirname "$0")/lib/setup.sh"
. "$ROOT/tests/e2e/lib/pg.sh"
pg_start || fail "PostgreSQL did not start"
PGBENCH=${PGBENCH:-$PG_BIN/pgbench}

# wait_for FILE PATTERN COUNT: until FILE has COUNT lines matching PATTERN (60 s at most)
wait_for() {
  local i
  for i in $(seq 1 600); do
    [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
    sleep 0.1
  done
  return 1
}
# run_poll NAME MODE-OPTIONS [TABLE]: starts sluice polling TABLE (default NAME) into NAME.out
run_poll() {
  cat >"$1.sql" <<EOF
SET 'execution.checkpointing.interval' = '200 ms';
CREATE TABLE src (id INT, v STRING) WITH ('connector' = 'jdbc', 'url' = '$PG_URL',
  'table-name' = '${3:-$1}', 'poll.interval.ms' = '50', $2);
CREATE TABLE o (id INT, v STRING) WITH ('connector' = 'print');
INSERT INTO o SELECT * FROM src;
EOF
  "$S" run "$1.sql" -q >"$1.out" 2>"$1.err" &
  pids+=($!)
}
# an open transaction fed through a fifo: tx_open NAME; tx NAME SQL; tx_close NAME
tx_open() {
  mkfifo "$1.fifo"
  psql -X -q -v ON_ERROR_STOP=1 <"$1.fifo" >"$1.txout" 2>&1 &
  pids+=($!)
  exec {fd}>"$1.fifo"
  eval "fd_$1=$fd"
}
tx() { local v="fd_$1"; echo "$2" >&"${!v}"; }
stop_all() { # the pollers started so far
  local p
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  pids=()
}
in_flight() { # until a transaction holding an xid is idle in transaction
  local i
  for i in $(seq 1 300); do
    [ "$(pgq "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND state = 'idle in transaction'")" -ge 1 ] && return 0
    sleep 0.1
  done
  return 1
}

# 1. late commit, guarded: A takes id 1 and stays open; 2..4 commit and are polled; A commits
pgq "CREATE TABLE late (id serial PRIMARY KEY, v text)"
run_poll late "'mode' = 'incrementing', 'incrementing.column.name' = 'id'"
tx_open a
tx a "BEGIN; INSERT INTO late (v) VALUES ('early-id-late-commit');"
in_flight || fail "transaction A is not open: $(cat a.txout)"
pgq "INSERT INTO late (v) VALUES ('b'); INSERT INTO late (v) VALUES ('c'); INSERT INTO late (v) VALUES ('d')"
sleep 1 # twenty polls see 2..4 while A is open (they are held back, so there is nothing to wait for)
tx a "COMMIT;"
wait_for late.out '^+I' 4 || fail "late commit: $(cat late.out late.err)"
printf '%s\n' "+I[1, early-id-late-commit]" "+I[2, b]" "+I[3, c]" "+I[4, d]" | diff - late.out ||
  fail "late commit: rows differ"

# 1b. the same with the guard off: 2..4 arrive while A is open, A's row is lost for good
pgq "CREATE TABLE loss (id serial PRIMARY KEY, v text)"
run_poll loss "'mode' = 'incrementing', 'incrementing.column.name' = 'id', 'poll.in-flight-guard' = 'false'"
tx_open b
tx b "BEGIN; INSERT INTO loss (v) VALUES ('early-id-late-commit');"
in_flight || fail "transaction B is not open"
pgq "INSERT INTO loss (v) VALUES ('b'); INSERT INTO loss (v) VALUES ('c'); INSERT INTO loss (v) VALUES ('d')"
wait_for loss.out '^+I' 3 || fail "unguarded: $(cat loss.out loss.err)"
tx b "COMMIT;"
pgq "INSERT INTO loss (v) VALUES ('e')"
wait_for loss.out 'e\]' 1 || fail "unguarded: row e missing: $(cat loss.out)"
grep -q early loss.out && fail "unguarded polling did not lose the late row: the test cannot fail"

# 1c. timestamp+incrementing: A begins (now() is its start) before B commits a row, and inserts
# only after B's row was polled: the time guard (the oldest open transaction's start) holds B
# back until A commits; without the guard A's row is lost
for g in true false; do
  pgq "CREATE TABLE late_$g (id serial PRIMARY KEY, v text, ts timestamptz NOT NULL DEFAULT now())"
  run_poll "late_$g" "'mode' = 'timestamp+incrementing', 'timestamp.column.name' = 'ts',
    'incrementing.column.name' = 'id', 'poll.in-flight-guard' = '$g'"
  tx_open "t$g"
  tx "t$g" "BEGIN; SELECT 1;"
  for i in $(seq 1 300); do
    [ "$(pgq "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'")" -ge 1 ] && break
    sleep 0.1
  done
  pgq "INSERT INTO late_$g (v) VALUES ('b')"
  sleep 1 # polls see b (guard off: it is emitted, so the wait below is a poll)
  [ $g = false ] && { wait_for "late_$g.out" 'b\]' 1 || fail "ts unguarded: b missing"; }
  tx "t$g" "INSERT INTO late_$g (v) VALUES ('early-ts-late-commit'); COMMIT;"
  pgq "INSERT INTO late_$g (v) VALUES ('c')"
  wait_for "late_$g.out" 'c\]' 1 || fail "ts late commit ($g): $(cat "late_$g.out" "late_$g.err")"
  if [ $g = true ]; then
    printf '%s\n' "+I[2, early-ts-late-commit]" "+I[1, b]" "+I[3, c]" | diff - "late_$g.out" ||
      fail "ts late commit: rows differ"
  else
    grep -q early "late_$g.out" && fail "unguarded timestamp polling did not lose the late row"
  fi
done
stop_all

# 2. every mode under concurrent inserts and updates (4 clients, transactions overlapping)
pgq "CREATE TABLE w (id serial PRIMARY KEY, v text, ts timestamptz NOT NULL DEFAULT now());
  INSERT INTO w (v) SELECT 'seed' FROM generate_series(1, 20)"
run_poll w_inc "'mode' = 'incrementing', 'incrementing.column.name' = 'id'" w
run_poll w_ts "'mode' = 'timestamp', 'timestamp.column.name' = 'ts'" w
run_poll w_tsinc "'mode' = 'timestamp+incrementing', 'timestamp.column.name' = 'ts', 'incrementing.column.name' = 'id'" w
# now() is the transaction's start: a transaction that began before rows that commit first
# stamps them earlier (the late-commit hole of the timestamp modes)
cat >bench.sql <<'EOF'
\set r random(1, 20)
BEGIN;
\sleep 5 ms
INSERT INTO w (v) VALUES ('new:' || :client_id);
\sleep 5 ms
UPDATE w SET v = 'upd:' || :client_id || ':' || txid_current(), ts = now() WHERE id = (SELECT max(id) - :r FROM w);
\sleep 5 ms
END;
EOF
"$PGBENCH" -n -c 4 -t 60 -f bench.sql >bench.out 2>&1 || fail "pgbench: $(cat bench.out)"
n=$(pgq "SELECT count(*) FROM w")
pgq "SELECT id, v FROM w ORDER BY id" | sed 's/|/, /' >final.txt
# incrementing: every id once (updates are not its business)
wait_for w_inc.out '^+I' "$n" || fail "incrementing: $(grep -c '^+I' w_inc.out) of $n rows"
[ "$(sed 's/^+I\[\([0-9]*\),.*/\1/' w_inc.out | sort -n | uniq | wc -l)" = "$n" ] ||
  fail "incrementing: ids missing or repeated"
# timestamp modes: the last version of every row equals the table
last_versions() { awk -F', ' '{id=substr($1,4); sub(/^[^,]*, /,""); sub(/\]$/,""); v[id]=$0} END {for (i in v) print i ", " v[i]}' "$1" | sort -n; }
for t in w_ts w_tsinc; do
  ok=
  for i in $(seq 1 300); do
    last_versions "$t.out" | cmp -s - final.txt && { ok=1; break; }
    sleep 0.1
  done
  [ -n "$ok" ] || fail "$t: the last versions differ from the table: $(last_versions "$t.out" | diff - final.txt | head)"
done

stop_all

# 3. bulk: the whole table at every poll
pgq "CREATE TABLE b (id int, v text); INSERT INTO b VALUES (1, 'x'), (2, 'y')"
run_poll b "'mode' = 'bulk'"
wait_for b.out '^+I\[2, y\]' 3 || fail "bulk: $(cat b.out b.err)"

# 4. the committed cursor survives a restart ('offset.storage.table')
pgq "CREATE TABLE r (id serial PRIMARY KEY, v text); INSERT INTO r (v) VALUES ('one'), ('two')"
run_poll r "'mode' = 'incrementing', 'incrementing.column.name' = 'id', 'offset.storage.table' = 'sluice_offsets'"
wait_for r.out '^+I' 2 || fail "restart: first run: $(cat r.out r.err)"
for i in $(seq 1 300); do [ "$(pgq "SELECT inc FROM sluice_offsets WHERE source = 'r'")" = 2 ] && break; sleep 0.1; done
[ "$(pgq "SELECT inc FROM sluice_offsets WHERE source = 'r'")" = 2 ] || fail "restart: cursor not stored"
kill -TERM "${pids[-1]}"; wait "${pids[-1]}"
pgq "INSERT INTO r (v) VALUES ('three')"
mv r.out r1.out
run_poll r "'mode' = 'incrementing', 'incrementing.column.name' = 'id', 'offset.storage.table' = 'sluice_offsets'"
wait_for r.out '^+I' 1 || fail "restart: second run: $(cat r.out r.err)"
sleep 0.3
[ "$(cat r.out)" = "+I[3, three]" ] || fail "restart: the second run read $(cat r.out)"
echo ok
