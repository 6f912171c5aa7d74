#!/usr/bin/env bash
# The fds in use do not grow with the number of files: a source reads 300 files and a sink
# writes 300 partitions under `ulimit -n 128` (bounded and monitored), a monitored source keeps
# few files open while it waits, and a partitioned sink that fails leaves neither temp files nor
# empty partition directories behind.
. "$(dirname "$0")/lib/setup.sh"
mkdir in
for i in $(seq 1 300); do echo "{\"id\":$i,\"p\":$((i % 300))}" > in/f$i.jsonl; done
cat > p.sql <<'Q'
CREATE TABLE t (id BIGINT, p INT) WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'json');
CREATE TABLE o (id BIGINT, p INT) PARTITIONED BY (p)
  WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');
INSERT INTO o SELECT id, p FROM t;
Q
(ulimit -n 128 && "$S" run p.sql -q) 2> err.txt || fail "bounded, 300 files, 300 partitions: exit $?"
[ "$(ls out | wc -l)" = 300 ] || fail "partitions: $(ls out | wc -l)"
[ "$(cat out/*/part-* | wc -l)" = 300 ] || fail "rows written: $(cat out/*/part-* | wc -l)"
[ -z "$(find out -name '.*inprogress*')" ] || fail "temp files left"

# rows for one partition before and after it was closed to make room: one file, all rows
for i in $(seq 1 300); do echo "{\"id\":$((1000 + i)),\"p\":7}"; echo "{\"id\":$i,\"p\":$i}"; done > big.jsonl
sed "s|'path' = 'in'|'path' = 'big.jsonl'|; s|'path' = 'out'|'path' = 'out2'|" p.sql > q.sql
(ulimit -n 128 && "$S" run q.sql -q --set sluice.batch-size=16) 2> err.txt || fail "reopened buckets: exit $?"
[ "$(ls out2 | wc -l)" = 300 ] || fail "partitions: $(ls out2 | wc -l)"
[ "$(ls out2/p=7 | wc -l)" = 1 ] || fail "p=7 part files: $(ls -a out2/p=7)"
[ "$(wc -l < out2/p=7/part-*)" = 301 ] || fail "p=7 rows: $(wc -l < out2/p=7/part-*)"

# monitored: 300 files read, then only a few kept open
cat > m.sql <<'Q'
CREATE TABLE t (id BIGINT, p INT) WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'json',
  'source.monitor-interval' = '1 h');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT id FROM t;
Q
(ulimit -n 128 && exec "$S" run m.sql) > out.txt 2> err.txt &
pid=$!
end=$(($(now_ms) + 10000))
until [ "$(wc -l < out.txt)" = 300 ]; do
  [ "$(now_ms)" -lt "$end" ] || fail "monitored, 300 files: $(wc -l < out.txt) rows"
  kill -0 $pid 2>/dev/null || fail "monitored, 300 files: exited"
  sleep 0.05
done
echo '{"id":301,"p":1}' >> in/f5.jsonl
end=$(($(now_ms) + 5000))
until grep -qxF '+I[301]' out.txt; do
  [ "$(now_ms)" -lt "$end" ] || fail "append to a closed file not read"
  sleep 0.01
done
nfd=$(ls /proc/$pid/fd | wc -l)
[ "$nfd" -le 90 ] || fail "$nfd fds open"
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "monitored: exit $rc"

# a file closed while idle and then rotated by a rename is found in its directory by inode:
# what its writer appended after the rename is read, and the new file from its start
mkdir logs
echo '{"id":10,"p":0}' > logs/app.log
sed "s|'path' = 'in'|'path' = 'logs/app.log'|; s|'1 h'|'200 ms'|" m.sql > r.sql
"$S" run r.sql > out.txt 2> err.txt &
pid=$!
wait_row() {
  local end=$(($(now_ms) + 5000))
  until grep -qxF "$1" out.txt; do
    [ "$(now_ms)" -lt "$end" ] || fail "row $1 did not arrive: $(cat out.txt)"
    sleep 0.01
  done
}
wait_row '+I[10]'
sleep 0.7 # idle for more than an interval: closed
[ -z "$(ls -l /proc/$pid/fd | grep 'logs/app.log')" ] || fail "idle file still open"
mv logs/app.log logs/app.log.1
echo '{"id":11,"p":0}' >> logs/app.log.1
echo '{"id":12,"p":0}' > logs/app.log
wait_row '+I[12]'
wait_row '+I[11]'
kill -TERM $pid
wait $pid
pid=
[ "$(sort out.txt)" = "$(printf '+I[%d]\n' 10 11 12)" ] || fail "rotation rows: $(cat out.txt)"

# a failure after rows reached 5 partitions: no temp file, no empty directory left
printf '{"id":1,"p":1}\n{"id":2,"p":2}\n{"id":3,"p":3}\n{"id":4,"p":4}\n{"id":5,"p":5}\n{"id":"x","p":6}\n' > bad.jsonl
sed "s|'path' = 'in', 'format' = 'json'|'path' = 'bad.jsonl', 'format' = 'json', 'on-error' = 'fail'|; s|'path' = 'out'|'path' = 'out3'|" p.sql > f.sql
"$S" run f.sql -q --set sluice.batch-size=1 2> err.txt
rc=$?
[ $rc = 1 ] || fail "failing run: exit $rc"
[ -z "$(find out3 -mindepth 1)" ] || fail "left behind: $(find out3 -mindepth 1)"
echo ok
