#!/usr/bin/env bash
# 'source.monitor-interval': an unbounded source that follows its files. Appended lines,
# a partial line completed later, a new file in the directory, a rename rotation (the old
# file read to its end, the new one from its start) and a truncation each give their rows
# exactly once and promptly (inotify, with an interval of an hour); a glob with a wildcard
# directory (no inotify) is followed by the interval timer. Idle, the process uses no CPU.
# SIGTERM ends an unbounded run with exit 0 and the filesystem sink's part file published.
. "$(dirname "$0")/lib/setup.sh"
MAXLAT=0
# expect ROW: wait until the print output has ROW (up to 5 s), note the latency
expect() {
  local t0 end
  t0=$(now_ms)
  end=$((t0 + 5000))
  until grep -qxF -- "$1" out.txt; do
    [ "$(now_ms)" -lt "$end" ] || fail "row $1 did not arrive within 5 s; output: $(cat out.txt)"
    sleep 0.005
  done
  local lat=$(($(now_ms) - t0))
  [ $lat -gt $MAXLAT ] && MAXLAT=$lat
  return 0
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

mkdir -p in out
echo '{"id":1}' > in/a.jsonl
cat > p.sql <<'Q'
CREATE TABLE t (id BIGINT) WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'json',
  'source.monitor-interval' = '1 h');
CREATE TABLE o WITH ('connector' = 'print');
CREATE TABLE f WITH ('connector' = 'filesystem', 'path' = 'out/f', 'format' = 'json');
EXECUTE STATEMENT SET BEGIN
  INSERT INTO o SELECT id FROM t;
  INSERT INTO f SELECT id FROM t;
END;
Q
"$S" run p.sql > out.txt 2> err.txt &
pid=$!
expect '+I[1]'
echo '{"id":2}' >> in/a.jsonl
expect '+I[2]'
printf '{"id":' >> in/a.jsonl # a partial line waits for its newline
sleep 0.2
grep -q '^+I\[3\]' out.txt && fail "a partial line was read"
printf '3}\n' >> in/a.jsonl
expect '+I[3]'
echo '{"id":4}' > in/b.jsonl # a new file
expect '+I[4]'
mv in/a.jsonl in/c.jsonl # renamed within the directory: not read again
echo '{"id":5}' >> in/c.jsonl
expect '+I[5]'
: > in/b.jsonl # truncated, then new content: read from the start
echo '{"id":6}' >> in/b.jsonl
expect '+I[6]'
grep -q "'in/b.jsonl' was truncated" err.txt || fail "no warning about the truncation"

# idle: no CPU (the process sleeps in epoll)
sleep 0.2
a=$(cpu_ticks $pid)
sleep 1
b=$(cpu_ticks $pid)
[ $((b - a)) -le 2 ] || fail "$((b - a)) ticks (1/100 s) of CPU in 1 s of idling"
echo '{"id":7}' >> in/c.jsonl # wakes up again
expect '+I[7]'

kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "SIGTERM: exit $rc"
want=$(printf '+I[%d]\n' 1 2 3 4 5 6 7)
[ "$(cat out.txt)" = "$want" ] || fail "print output (each row once): $(cat out.txt)"
parts=$(ls out/f)
[ "$(echo "$parts" | wc -l)" = 1 ] || fail "part files: $parts"
echo "$parts" | grep -Eq '^part-[0-9a-f-]{36}-0$' || fail "part file name: $parts"
[ "$(cat out/f/part-*)" = "$(printf '{"id":%d}\n' 1 2 3 4 5 6 7)" ] || fail "part file: $(cat out/f/part-*)"
[ -z "$(ls -A out/f | grep inprogress)" ] || fail "in-progress file left"
echo "latency max ${MAXLAT} ms" >&2

# a single file rotated by rename: the old file is read to its end, the new one from its start
mkdir logs
echo '{"id":10}' > logs/app.log
sed "s|'path' = 'in'|'path' = 'logs/app.log'|" p.sql > r.sql
"$S" run r.sql > out.txt 2> err.txt &
pid=$!
expect '+I[10]'
mv logs/app.log logs/app.log.1
echo '{"id":11}' >> logs/app.log.1 # the writer still had the old file open
echo '{"id":12}' > logs/app.log
expect '+I[12]'
expect '+I[11]'
echo '{"id":13}' >> logs/app.log
expect '+I[13]'
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "rotation: exit $rc"
[ "$(sort out.txt)" = "$(printf '+I[%d]\n' 10 11 12 13)" ] || fail "rotation rows: $(cat out.txt)"

# no inotify for a wildcard directory: the interval timer finds the new file
mkdir -p g1 g2
echo '{"id":20}' > g1/x.jsonl
sed "s|'path' = 'in'|'path' = 'g*/x.jsonl'|; s|'1 h'|'200 ms'|" p.sql > g.sql
"$S" run g.sql > out.txt 2> err.txt &
pid=$!
expect '+I[20]'
echo '{"id":21}' > g2/x.jsonl
expect '+I[21]'
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "glob: exit $rc"
echo ok
