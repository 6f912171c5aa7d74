#!/usr/bin/env bash
# The upsert filesystem sink (a PRIMARY KEY with the json format) in an unbounded run: the
# materialised table is published as the file 'path' every rollover interval while it changes
# (a reader sees the whole table, never an in-progress file), and SIGTERM publishes the table
# as it is then and exits 0. The file is always the final rows by key, in first-arrival order.
. "$(dirname "$0")/lib/setup.sh"
until_ok() { # until CMD succeeds, up to 5 s
  local end=$(($(now_ms) + 5000))
  until eval "$1"; do
    [ "$(now_ms)" -lt "$end" ] || fail "timed out: $1 (out/t.jsonl: $(cat out/t.jsonl 2>/dev/null))"
    sleep 0.02
  done
}
mkdir in
cat > p.sql <<'Q'
CREATE TABLE ch (id BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = 'in',
  'format' = 'debezium-json', 'source.monitor-interval' = '1 h');
CREATE TABLE t (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED)
  WITH ('connector' = 'filesystem', 'path' = 'out/t.jsonl', 'format' = 'json',
        'sink.rolling-policy.rollover-interval' = '200 ms',
        'sink.rolling-policy.check-interval' = '50 ms');
INSERT INTO t SELECT id, name FROM ch;
Q
"$S" run p.sql 2> err.txt &
pid=$!
ev() { printf '%s\n' "$@" >> in/a.jsonl; }
ev '{"before":null,"after":{"id":1,"name":"ann"},"op":"c"}' \
   '{"before":null,"after":{"id":2,"name":"bob"},"op":"c"}' \
   '{"before":null,"after":{"id":3,"name":"cy"},"op":"c"}'
want1='{"id":1,"name":"ann"}
{"id":2,"name":"bob"}
{"id":3,"name":"cy"}'
until_ok '[ "$(cat out/t.jsonl 2>/dev/null)" = "$want1" ]'
ev '{"before":{"id":1,"name":"ann"},"after":{"id":1,"name":"anne"},"op":"u"}' \
   '{"before":{"id":2,"name":"bob"},"after":null,"op":"d"}'
want2='{"id":1,"name":"anne"}
{"id":3,"name":"cy"}'
until_ok '[ "$(cat out/t.jsonl)" = "$want2" ]'
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "SIGTERM: exit $rc"
[ "$(cat out/t.jsonl)" = "$want2" ] || fail "after the first stop: $(cat out/t.jsonl)"

# a stop publishes the table as it is: here the rollover interval is an hour, so nothing is
# published before; a print sink on the same source shows when the rows have gone through
mkdir in2
cat > q.sql <<'Q'
CREATE TABLE ch (id BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = 'in2',
  'format' = 'debezium-json', 'source.monitor-interval' = '1 h');
CREATE TABLE t (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED)
  WITH ('connector' = 'filesystem', 'path' = 'out/u.jsonl', 'format' = 'json');
CREATE TABLE p WITH ('connector' = 'print');
EXECUTE STATEMENT SET BEGIN
  INSERT INTO t SELECT id, name FROM ch;
  INSERT INTO p SELECT id, name FROM ch;
END;
Q
"$S" run q.sql > seen.txt 2> err.txt &
pid=$!
printf '%s\n' '{"before":null,"after":{"id":1,"name":"ann"},"op":"c"}' \
   '{"before":null,"after":{"id":4,"name":"dee"},"op":"c"}' \
   '{"before":{"id":1,"name":"ann"},"after":{"id":1,"name":"anne"},"op":"u"}' \
   '{"before":null,"after":{"id":3,"name":"cy"},"op":"c"}' \
   '{"before":{"id":3,"name":"cy"},"after":null,"op":"d"}' > in2/a.jsonl
until_ok '[ "$(wc -l < seen.txt)" = 6 ]'
[ -e out/u.jsonl ] && fail "published before the stop: $(cat out/u.jsonl)"
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "SIGTERM: exit $rc"
want3='{"id":1,"name":"anne"}
{"id":4,"name":"dee"}'
[ "$(cat out/u.jsonl)" = "$want3" ] || fail "after the stop: $(cat out/u.jsonl)"
[ -z "$(ls -A out | grep inprogress)" ] || fail "in-progress file left: $(ls -A out)"
[ "$(ls -A out | tr '\n' ' ')" = "t.jsonl u.jsonl " ] || fail "unexpected files: $(ls -A out)"
grep -q "2 rows written to out/u.jsonl" err.txt || fail "summary: $(cat err.txt)"
echo ok
