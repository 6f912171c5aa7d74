#!/usr/bin/env bash
# The kafka connector against librdkafka's mock cluster (a real Kafka protocol server in its own
# process): startup and bounded modes, metadata columns, key and value formats, a Flink table
# definition as Flink's documentation writes it, the sink (and on two workers), dead letters
# with topic/partition/offset, committed offsets honoured by a restart, broker down/up and a
# leader move during a run.
. "$(dirname "$0")/lib/setup.sh"
. "$ROOT/tests/e2e/lib/kafka.sh"
kafka_start orders:4 events:2 out:4 out2:3 behavior:2 bad:1 live:3 hdr:1 pat.a:2 || fail "mock did not start"

for i in $(seq 1 20); do echo "k$i:{\"id\":$i,\"amount\":$((i * 10))}"; done | kproduce orders
[ "$(kconsume orders | wc -l)" = 20 ] || fail "produce failed: $(cat "$T/kcat.err")"

# 1. bounded read, earliest to the end offsets, metadata columns, a filter; one and two workers
cat >bounded.sql <<EOF
CREATE TABLE orders (id BIGINT, amount INT, p INT METADATA FROM 'partition',
  off BIGINT METADATA FROM 'offset' VIRTUAL, tp STRING METADATA FROM 'topic')
WITH ('connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = '$KB',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE s (id BIGINT, amount INT, tp STRING, ok BOOLEAN) WITH ('connector' = 'print');
INSERT INTO s SELECT id, amount, tp, p BETWEEN 0 AND 3 AND off >= 0 FROM orders WHERE amount > 50;
EOF
for p in 1 2; do
  "$S" run bounded.sql -q -p $p >out.txt 2>err.txt || fail "bounded run -p $p failed"
  [ "$(wc -l <out.txt)" = 15 ] || fail "bounded -p $p: $(wc -l <out.txt) rows, expected 15"
  grep -q '^+I\[6, 60, orders, true\]$' out.txt || fail "bounded -p $p: row 6 missing: $(head -3 out.txt)"
  [ "$(grep -c ', true\]$' out.txt)" = 15 ] || fail "bounded -p $p: bad metadata: $(head -3 out.txt)"
done

# 2. key and value formats: a raw key read into a column, the value without it (EXCEPT_KEY);
# the sink writes JSON keys from 'key.fields'; a changelog of the sink topic is read back
cat >keys.sql <<EOF
CREATE TABLE orders (k STRING, id BIGINT, amount INT)
WITH ('connector' = 'kafka', 'topic' = 'orders', 'properties.bootstrap.servers' = '$KB',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
  'key.format' = 'raw', 'key.fields' = 'k', 'value.format' = 'json',
  'value.fields-include' = 'EXCEPT_KEY');
CREATE TABLE out (id BIGINT, k STRING, big BOOLEAN)
WITH ('connector' = 'kafka', 'topic' = 'out', 'properties.bootstrap.servers' = '$KB',
  'key.format' = 'json', 'key.fields' = 'id', 'format' = 'json');
INSERT INTO out SELECT id, k, amount > 100 FROM orders;
EOF
"$S" run keys.sql -q -p 2 2>err.txt || fail "key/value run failed"
kconsume out | sort >out.txt
[ "$(wc -l <out.txt)" = 20 ] || fail "sink: $(wc -l <out.txt) messages, expected 20"
grep -qx '{"id":11} {"id":11,"k":"k11","big":true}' out.txt || fail "sink key/value: $(head -3 out.txt)"
grep -qx '{"id":3} {"id":3,"k":"k3","big":false}' out.txt || fail "sink key/value: $(head -3 out.txt)"

# 3. specific offsets, start and end, on one partition of 'events' (keys pin partitions)
for i in $(seq 0 9); do echo "{\"n\":$i}"; done | kcat -P -b "$KB" -t events -p 0 2>>"$T/kcat.err"
for i in $(seq 10 14); do echo "{\"n\":$i}"; done | kcat -P -b "$KB" -t events -p 1 2>>"$T/kcat.err"
cat >specific.sql <<EOF
CREATE TABLE events (n INT, p INT METADATA FROM 'partition')
WITH ('connector' = 'kafka', 'topic' = 'events', 'properties.bootstrap.servers' = '$KB',
  'scan.startup.mode' = 'specific-offsets', 'scan.startup.specific-offsets' = 'partition:0,offset:3;partition:1,offset:0',
  'scan.bounded.mode' = 'specific-offsets', 'scan.bounded.specific-offsets' = 'partition:0,offset:6;partition:1,offset:2',
  'properties.group.id' = 'g-specific', 'format' = 'json');
CREATE TABLE s (n INT) WITH ('connector' = 'print');
INSERT INTO s SELECT n FROM events;
EOF
"$S" run specific.sql -q -p 1 >out.txt 2>err.txt || fail "specific offsets failed"
[ "$(LC_ALL=C sort out.txt | tr '\n' ' ')" = "+I[10] +I[11] +I[3] +I[4] +I[5] " ] ||
  fail "specific offsets: $(tr '\n' ' ' <out.txt)"

# 4. group offsets: a bounded read of group g-b commits where it ended; the next one of the
# same group reads only what came after
cat >group.sql <<EOF
CREATE TABLE events (n INT) WITH ('connector' = 'kafka', 'topic' = 'events',
  'properties.bootstrap.servers' = '$KB', 'properties.group.id' = 'g-b',
  'scan.startup.mode' = 'group-offsets', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE s (n INT) WITH ('connector' = 'print');
INSERT INTO s SELECT n FROM events;
EOF
"$S" run group.sql -q -p 1 >out.txt 2>err.txt || fail "group-offsets run 1 failed"
[ "$(wc -l <out.txt)" = 15 ] || fail "group-offsets run 1: $(wc -l <out.txt) rows"
echo '{"n":99}' | kcat -P -b "$KB" -t events -p 1 2>>"$T/kcat.err"
"$S" run group.sql -q -p 1 >out.txt 2>err.txt || fail "group-offsets run 2 failed"
[ "$(cat out.txt)" = "+I[99]" ] || fail "group-offsets run 2 read: $(tr '\n' ' ' <out.txt)"

# 5. a Flink table definition, in the shape of Flink's Kafka connector page (CSV values, the
# message timestamp as a TIMESTAMP(3) metadata column), read unbounded with latest-offset: only
# what is produced after the start is read; SIGTERM stops it
cat >flink.sql <<EOF
SET 'execution.checkpointing.interval' = '200 ms';
CREATE TABLE KafkaTable (
  \`user_id\` BIGINT,
  \`item_id\` BIGINT,
  \`behavior\` STRING,
  \`ts\` TIMESTAMP(3) METADATA FROM 'timestamp'
) WITH (
  'connector' = 'kafka',
  'topic' = 'behavior',
  'properties.bootstrap.servers' = '$KB',
  'properties.group.id' = 'testGroup',
  'properties.session.timeout.ms' = '6000',
  'scan.startup.mode' = 'latest-offset',
  'format' = 'csv'
);
CREATE TABLE s (user_id BIGINT, behavior STRING, recent BOOLEAN) WITH ('connector' = 'print');
INSERT INTO s SELECT user_id, behavior, ts > TIMESTAMP '2020-01-01 00:00:00' FROM KafkaTable;
EOF
echo "1,1,old" | kproduce_values behavior
"$S" run flink.sql -q -p 1 >out.txt 2>err.txt &
pid=$!
for i in $(seq 1 100); do grep -q "testGroup" /dev/null; sleep 0.1; [ $i -ge 50 ] && break; done
# the group takes ~3 s to assign partitions: produce until a row arrives
for i in $(seq 1 60); do
  echo "2,$i,click" | kproduce_values behavior
  grep -q click out.txt && break
  sleep 0.5
done
kill -TERM $pid
wait $pid || fail "flink-shaped run exited $?: $(cat err.txt)"
pid=
grep -q '^+I\[2, click, true\]$' out.txt || fail "flink table: $(head -3 out.txt) $(cat err.txt)"
grep -q old out.txt && fail "latest-offset read an older message"

# 6. bad records: dead-lettered with topic, partition and offset
printf '%s\n' '{"n":1}' 'not json' '{"n":3}' | kproduce_values bad
cat >bad.sql <<EOF
CREATE TABLE bad (n INT) WITH ('connector' = 'kafka', 'topic' = 'bad',
  'properties.bootstrap.servers' = '$KB', 'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset', 'format' = 'json', 'dlq.path' = 'dlq.jsonl');
CREATE TABLE s (n INT) WITH ('connector' = 'print');
INSERT INTO s SELECT n FROM bad;
EOF
"$S" run bad.sql -p 1 >out.txt 2>err.txt || fail "dead-letter run failed"
[ "$(wc -l <out.txt)" = 2 ] || fail "dead letters: $(cat out.txt)"
grep -q '"topic":"bad","partition":0,"offset":1,"stage":"decode"' dlq.jsonl ||
  fail "dead letter position: $(cat dlq.jsonl)"
grep -q '1 dead-lettered' err.txt || fail "summary: $(cat err.txt)"

# 7. faults during a run: a broker goes down and comes back, a partition's leader moves; an
# unbounded group read writes to a kafka sink; nothing is lost
cat >live.sql <<EOF
SET 'execution.checkpointing.interval' = '200 ms';
CREATE TABLE live (n INT) WITH ('connector' = 'kafka', 'topic' = 'live',
  'properties.bootstrap.servers' = '$KB', 'properties.group.id' = 'g-live',
  'properties.session.timeout.ms' = '6000', 'properties.heartbeat.interval.ms' = '1000',
  'properties.fetch.wait.max.ms' = '20', 'properties.reconnect.backoff.max.ms' = '500',
  'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
CREATE TABLE out2 (n INT) WITH ('connector' = 'kafka', 'topic' = 'out2',
  'properties.bootstrap.servers' = '$KB', 'properties.reconnect.backoff.max.ms' = '500', 'format' = 'json');
INSERT INTO out2 SELECT n FROM live;
EOF
"$S" run live.sql -q -p 2 >out.txt 2>err.txt &
pid=$!
prods=()
for b in 0 1 2 3; do
  # in the background: a partition led by the broker that is down waits for it
  for i in $(seq $((b * 50)) $((b * 50 + 49))); do echo "{\"n\":$i}"; done | kproduce_values live &
  prods+=($!)
  case $b in
  0) kafka_cmd down 2 ;;
  1) kafka_cmd leader live 1 3; kafka_cmd up 2 ;;
  2) kafka_cmd leader live 2 1 ;;
  esac
  sleep 0.5
done
wait "${prods[@]}"
for i in $(seq 1 120); do
  [ "$(kconsume out2 | sort -u | wc -l)" -ge 200 ] && break
  sleep 0.5
done
kill -TERM $pid
wait $pid || fail "live run exited $?: $(cat err.txt)"
pid=
got=$(kconsume out2 | sort -u | wc -l)
[ "$got" = 200 ] || fail "faults: $got distinct of 200 delivered: $(tail -5 err.txt)"

# 7b. the kafka sink acknowledges epochs while the run goes on (from its delivery reports):
# the source commits, so after a SIGKILL the group has nothing left to read
kafka_cmd topic ack 2 || fail "topic ack not created"
kafka_cmd topic ackout 2 || fail "topic ackout not created"
for i in $(seq 1 100); do echo "{\"n\":$i}"; done | kproduce_values ack
sed -e 's/live/ack/g; s/out2/ackout/g; s/g-ack/g-ack/' live.sql >ack.sql
"$S" run ack.sql -q -p 1 >out.txt 2>err.txt &
pid=$!
for i in $(seq 1 200); do
  [ "$(kconsume ackout | wc -l)" -ge 100 ] && break
  sleep 0.1
done
sleep 1 # a few epochs after the last row
kill -9 $pid
wait $pid 2>/dev/null
pid=
cat >ackread.sql <<EOF
CREATE TABLE ack (n INT) WITH ('connector' = 'kafka', 'topic' = 'ack',
  'properties.bootstrap.servers' = '$KB', 'properties.group.id' = 'g-ack',
  'scan.startup.mode' = 'group-offsets', 'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE s (n INT) WITH ('connector' = 'print');
INSERT INTO s SELECT n FROM ack;
EOF
"$S" run ackread.sql -q -p 1 >out.txt 2>err.txt || fail "reading the committed group failed"
[ ! -s out.txt ] || fail "offsets not committed while running: $(wc -l <out.txt) rows read again"

# 8. headers as a JSON string; a topic created during a run is picked up by 'topic-pattern'
echo '{"n":1}' | kcat -P -b "$KB" -t hdr -H trace=ab12 -H 'q"=x' 2>>"$T/kcat.err"
echo '{"n":2}' | kproduce_values hdr
cat >hdr.sql <<EOF
CREATE TABLE hdr (n INT, h STRING METADATA FROM 'headers') WITH ('connector' = 'kafka',
  'topic' = 'hdr', 'properties.bootstrap.servers' = '$KB', 'scan.startup.mode' = 'earliest-offset',
  'scan.bounded.mode' = 'latest-offset', 'format' = 'json');
CREATE TABLE s (n INT, h STRING) WITH ('connector' = 'print');
INSERT INTO s SELECT n, h FROM hdr;
EOF
"$S" run hdr.sql -q -p 1 >out.txt 2>err.txt || fail "headers run failed"
[ "$(tr '\n' ' ' <out.txt)" = '+I[1, {"trace":"ab12","q\"":"x"}] +I[2, NULL] ' ] ||
  fail "headers: $(cat out.txt)"
echo '{"n":1}' | kproduce_values pat.a
cat >pat.sql <<EOF
CREATE TABLE pat (n INT, tp STRING METADATA FROM 'topic') WITH ('connector' = 'kafka',
  'topic-pattern' = 'pat[.].*', 'properties.bootstrap.servers' = '$KB',
  'properties.group.id' = 'g-pat', 'properties.session.timeout.ms' = '6000',
  'properties.fetch.wait.max.ms' = '20', 'scan.startup.mode' = 'earliest-offset',
  'scan.topic-partition-discovery.interval' = '1 s', 'format' = 'json');
CREATE TABLE s (n INT, tp STRING) WITH ('connector' = 'print');
INSERT INTO s SELECT n, tp FROM pat;
EOF
"$S" run pat.sql -q -p 1 >out.txt 2>err.txt &
pid=$!
for i in $(seq 1 200); do grep -q pat.a out.txt && break; sleep 0.1; done
grep -q '^+I\[1, pat.a\]$' out.txt || fail "topic-pattern: $(cat out.txt)"
kafka_cmd topic pat.b 2 || fail "topic pat.b not created"
echo '{"n":2}' | kproduce_values pat.b
for i in $(seq 1 300); do grep -q pat.b out.txt && break; sleep 0.1; done
kill -TERM $pid
wait $pid
pid=
grep -q '^+I\[2, pat.b\]$' out.txt || fail "a topic created while running was not read: $(cat out.txt)"

# 9. bad options name the option
cat >badopt.sql <<EOF
CREATE TABLE t (n INT) WITH ('connector' = 'kafka', 'topic' = 'x', 'format' = 'json',
  'properties.bootstrap.servers' = '$KB', 'scan.startup.mode' = 'earliest');
CREATE TABLE s (n INT) WITH ('connector' = 'print');
INSERT INTO s SELECT n FROM t;
EOF
"$S" validate badopt.sql >out.txt 2>&1 && fail "a bad startup mode was accepted"
grep -q "earliest-offset" out.txt || fail "bad option message: $(cat out.txt)"
cat >eos.sql <<EOF
CREATE TABLE t (n INT) WITH ('connector' = 'kafka', 'topic' = 'x', 'format' = 'json',
  'properties.bootstrap.servers' = '$KB', 'sink.delivery-guarantee' = 'exactly-once');
CREATE TABLE s (n INT) WITH ('connector' = 'print');
INSERT INTO t SELECT 1;
EOF
"$S" run eos.sql >out.txt 2>&1 && fail "exactly-once was accepted"
grep -q "checkpoints and Kafka transactions" out.txt || fail "exactly-once message: $(cat out.txt)"
exit 0
