#!/usr/bin/env bash
# The filesystem source skips a UTF-8 byte-order mark at offset 0 of every input, for every
# format: a debezium-json file, a CSV file whose first field is quoted (with a line break in
# it), a JSON file on stdin, a monitored file whose BOM arrives one byte at a time, and a
# truncated file written again with a BOM. A BOM anywhere else is data.
. "$(dirname "$0")/lib/setup.sh"

printf '\xef\xbb\xbf{"before":null,"after":{"id":1,"name":"ann"},"op":"c"}\n' > ev.jsonl
cat > d.sql <<'Q'
CREATE TABLE ch (id BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = 'ev.jsonl', 'format' = 'debezium-json');
CREATE TABLE pr WITH ('connector' = 'print');
INSERT INTO pr SELECT id, name FROM ch;
Q
"$S" run d.sql -q > out.txt 2> err.txt || fail "debezium-json: exit $?"
[ "$(cat out.txt)" = "+I[1, ann]" ] || fail "debezium-json with a BOM: $(cat out.txt)"
[ ! -s sluice-dlq.jsonl ] || fail "dead letters: $(cat sluice-dlq.jsonl)"

printf '\xef\xbb\xbf"a\nb",1\nc,2\n' > q.csv
cat > c.sql <<'Q'
CREATE TABLE c (s STRING, n INT) WITH ('connector' = 'filesystem', 'path' = 'q.csv', 'format' = 'csv');
CREATE TABLE pr WITH ('connector' = 'print');
INSERT INTO pr SELECT CHAR_LENGTH(s) AS len, n FROM c;
Q
"$S" run c.sql -q > out.txt 2> err.txt || fail "csv: exit $?"
[ "$(cat out.txt)" = "$(printf '+I[3, 1]\n+I[1, 2]')" ] || fail "csv, quoted first field after a BOM: $(cat out.txt)"

cat > s.sql <<'Q'
CREATE TABLE j (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '-', 'format' = 'json');
CREATE TABLE pr WITH ('connector' = 'print');
INSERT INTO pr SELECT id FROM j;
Q
printf '\xef\xbb\xbf{"id":7}\n\xef\xbb\xbf{"id":8}\n' | "$S" run s.sql -q > out.txt 2> err.txt
[ "$(cat out.txt)" = "+I[7]" ] || fail "stdin: $(cat out.txt)"
grep -q '"line":2' sluice-dlq.jsonl || fail "a BOM on line 2 is data (a bad record): $(cat sluice-dlq.jsonl)"
rm -f sluice-dlq.jsonl

mkdir in
: > in/a.jsonl
cat > m.sql <<'Q'
CREATE TABLE j (id BIGINT) WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'json',
  'source.monitor-interval' = '1 h');
CREATE TABLE pr WITH ('connector' = 'print');
INSERT INTO pr SELECT id FROM j;
Q
"$S" run m.sql > out.txt 2> err.txt &
pid=$!
wait_row() {
  local end=$(($(now_ms) + 5000))
  until grep -qxF "$1" out.txt; do
    [ "$(now_ms)" -lt "$end" ] || fail "row $1 did not arrive: $(cat out.txt)"
    sleep 0.01
  done
}
sleep 0.3
for b in '\xef' '\xbb' '\xbf' '{"id":' '1}\n'; do printf "$b" >> in/a.jsonl; sleep 0.1; done
wait_row '+I[1]'
: > in/a.jsonl
printf '\xef\xbb\xbf{"id":2}\n' >> in/a.jsonl
wait_row '+I[2]'
kill -TERM $pid
wait $pid
pid=
[ "$(cat out.txt)" = "$(printf '+I[1]\n+I[2]')" ] || fail "monitored: $(cat out.txt)"
[ ! -s sluice-dlq.jsonl ] || fail "monitored, dead letters: $(cat sluice-dlq.jsonl)"
echo ok
