#!/usr/bin/env bash
# upsert-kafka against librdkafka's mock cluster: a topic read as a changelog by key (+I for a
# new key, -U/+U for a changed value, nothing for an unchanged one, -D for a tombstone, a
# tombstone of an unknown key ignored, a message without a key dead-lettered), on one and two
# workers; a JSON key with 'key.fields-prefix' and EXCEPT_KEY; an updating query written as
# values and tombstones by key and read back; the kafka sink's EXCEPT_KEY.
. "$(dirname "$0")/lib/setup.sh"
. "$ROOT/tests/e2e/lib/kafka.sh"
kafka_start up:2 keyed:2 agg:3 plain:1 || fail "mock did not start"

# 1. a changelog by key; a tombstone (-Z: an empty value is sent as none) deletes its key
printf '%s\n' 'a|{"id":"a","v":1}' 'b|{"id":"b","v":2}' 'a|{"id":"a","v":3}' 'b|{"id":"b","v":2}' \
  'c|{"id":"c","v":5}' 'b|' 'z|' 'a|{"id":"a","v":4}' | kcat -P -b "$KB" -t up -K'|' -Z 2>>"$T/kcat.err"
echo '{"id":"nokey","v":9}' | kproduce_values up
cat >up.sql <<EOF
CREATE TABLE up (id STRING, v INT, PRIMARY KEY (id) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = 'up', 'properties.bootstrap.servers' = '$KB',
  'key.format' = 'raw', 'value.format' = 'json', 'scan.bounded.mode' = 'latest-offset',
  'dlq.path' = 'dlq.jsonl');
CREATE TABLE s (id STRING, v INT) WITH ('connector' = 'print');
INSERT INTO s SELECT id, v FROM up;
EOF
for p in 1 2; do
  rm -f dlq.jsonl
  "$S" run up.sql -p $p >out.txt 2>err.txt || fail "upsert source -p $p failed"
  # per key, in the order of its partition
  for k in a b c; do grep "\[$k," out.txt | tr '\n' ' '; echo; done >got.txt
  printf '%s\n' '+I[a, 1] -U[a, 1] +U[a, 3] -U[a, 3] +U[a, 4] ' '+I[b, 2] -D[b, 2] ' '+I[c, 5] ' >want.txt
  diff want.txt got.txt >/dev/null || fail "upsert source -p $p: $(cat got.txt)"
  [ "$(wc -l <out.txt)" = 8 ] || fail "upsert source -p $p: $(wc -l <out.txt) rows: $(cat out.txt)"
  grep -q '"topic":"up","partition":[01],"offset":[0-9]*,"stage":"decode".*no key' dlq.jsonl ||
    fail "a message without a key: $(cat dlq.jsonl)"
  grep -q 'keeps .* 3 rows at peak, 2 at end' err.txt || fail "upsert state: $(cat err.txt)"
done

# 2. a JSON key whose fields are named without the columns' prefix; the value without them
printf '%s\n' '{"id":1}|{"name":"x"}' '{"id":2}|{"name":"y"}' '{"id":1}|{"name":"x2"}' |
  kcat -P -b "$KB" -t keyed -K'|' 2>>"$T/kcat.err"
cat >keyed.sql <<EOF
CREATE TABLE keyed (k_id BIGINT, name STRING, PRIMARY KEY (k_id) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = 'keyed', 'properties.bootstrap.servers' = '$KB',
  'key.format' = 'json', 'key.fields-prefix' = 'k_', 'value.format' = 'json',
  'value.fields-include' = 'EXCEPT_KEY', 'scan.bounded.mode' = 'latest-offset');
CREATE TABLE s (k_id BIGINT, name STRING) WITH ('connector' = 'print');
INSERT INTO s SELECT k_id, name FROM keyed;
EOF
"$S" run keyed.sql -q -p 1 >out.txt 2>err.txt || fail "json key run failed"
[ "$(grep '\[1,' out.txt | tr '\n' ' ')" = "+I[1, x] -U[1, x] +U[1, x2] " ] ||
  fail "json key: $(cat out.txt)"
grep -qx '+I\[2, y\]' out.txt || fail "json key: $(cat out.txt)"

# 3. an updating query into upsert-kafka: +I/+U as values, -D as tombstones, -U not written;
# read back as a changelog its last rows are the query's result
cat >agg.sql <<EOF
CREATE TABLE up (id STRING, v INT, PRIMARY KEY (id) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = 'up', 'properties.bootstrap.servers' = '$KB',
  'key.format' = 'raw', 'value.format' = 'json', 'scan.bounded.mode' = 'latest-offset');
CREATE TABLE agg (big BOOLEAN, n BIGINT, total INT, PRIMARY KEY (big) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = 'agg', 'properties.bootstrap.servers' = '$KB',
  'key.format' = 'json', 'value.format' = 'json', 'value.fields-include' = 'EXCEPT_KEY');
INSERT INTO agg SELECT v > 2, COUNT(*), SUM(v) FROM up GROUP BY v > 2;
EOF
"$S" run agg.sql -q -p 1 2>err.txt || fail "upsert sink run failed"
kcat -C -b "$KB" -t agg -e -q -f '%k=%s|\n' -Z 2>>"$T/kcat.err" >msgs.txt
grep -q "^{\"big\":false}=NULL|$" msgs.txt || fail "no tombstone for the deleted group: $(cat msgs.txt)"
[ "$(grep -c "^{\"big\":true}=" msgs.txt)" = 4 ] || fail "upsert sink messages: $(cat msgs.txt)"
[ "$(grep '^{"big":true}=' msgs.txt | tail -1)" = '{"big":true}={"n":2,"total":9}|' ] ||
  fail "upsert sink last value: $(cat msgs.txt)"
cat >back.sql <<EOF
CREATE TABLE agg (big BOOLEAN, n BIGINT, total INT, PRIMARY KEY (big) NOT ENFORCED) WITH (
  'connector' = 'upsert-kafka', 'topic' = 'agg', 'properties.bootstrap.servers' = '$KB',
  'key.format' = 'json', 'value.format' = 'json', 'value.fields-include' = 'EXCEPT_KEY',
  'scan.bounded.mode' = 'latest-offset');
CREATE TABLE s (big BOOLEAN, n BIGINT, total INT) WITH ('connector' = 'print');
INSERT INTO s SELECT big, n, total FROM agg;
EOF
"$S" run back.sql -q -p 1 >out.txt 2>err.txt || fail "reading the upsert sink back failed"
[ "$(grep -c '^-D\[false' out.txt)" = 1 ] || fail "read back: $(cat out.txt)"
[ "$(grep 'true' out.txt | tail -1)" = "+U[true, 2, 9]" ] || fail "read back: $(cat out.txt)"

# 4. the kafka sink with a key and EXCEPT_KEY: the value leaves the key's fields out
cat >plain.sql <<EOF
CREATE TABLE plain (id BIGINT, name STRING) WITH ('connector' = 'kafka', 'topic' = 'plain',
  'properties.bootstrap.servers' = '$KB', 'key.format' = 'json', 'key.fields' = 'id',
  'value.format' = 'json', 'value.fields-include' = 'EXCEPT_KEY');
INSERT INTO plain SELECT CAST(7 AS BIGINT), 'seven';
EOF
"$S" run plain.sql -q -p 1 2>err.txt || fail "kafka sink EXCEPT_KEY run failed"
[ "$(kconsume plain)" = '{"id":7} {"name":"seven"}' ] || fail "EXCEPT_KEY sink: $(kconsume plain)"
exit 0
