#!/usr/bin/env bash
# The hot path of a monitored source: an append to one of many files costs a look at that file
# only (not an fstat of every tracked file), and a partial last line is not read again each
# time more of it is appended (the reader stays on the file instead of dropping its window).
set -u
S=${SLUICE:?}
T=$(mktemp -d)
pid=
spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; [ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$T"' EXIT
cd "$T"
fail() { echo "$*"; [ -f err.txt ] && head -5 err.txt; exit 1; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
wait_rows() { # wait until out.txt has N lines
  local end=$(($(now_ms) + 10000))
  until [ "$(wc -l < out.txt)" -ge "$1" ]; do
    [ "$(now_ms)" -lt "$end" ] || fail "$(wc -l < out.txt) rows, expected $1"
    sleep 0.01
  done
}
rchar() { awk '/^rchar/ {print $2}' /proc/$pid/io; }
mkdir in
for i in $(seq 1 50); do echo "{\"id\":$i}" > in/f$i.jsonl; done
cat > m.sql <<'Q'
CREATE TABLE t (id BIGINT) WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'json',
  'source.monitor-interval' = '1 h');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT id FROM t;
Q
"$S" run m.sql > out.txt 2> err.txt &
pid=$!
wait_rows 50

# a 200 KB line written in 100 pieces: read about once, not once per piece (20 MB)
a=$(rchar)
python3 - <<'P'
import time
for i in range(100):
    with open("in/f3.jsonl", "a") as f:
        f.write('{"id":1000, "pad":"' if i == 0 else "x" * 2048)
    time.sleep(0.002)
with open("in/f3.jsonl", "a") as f: f.write('"}\n')
P
wait_rows 51
b=$(rchar)
[ $((b - a)) -lt 2000000 ] || fail "$((b - a)) bytes read for a 200 KB line appended in 100 pieces"

# 300 single-line appends to one of 50 files: a few stat calls each, not one per file
if command -v strace >/dev/null; then
  strace -c -f -o strace.txt -p $pid 2>/dev/null &
  spid=$!
  sleep 0.5
  python3 - <<'P'
import time
for i in range(300):
    with open("in/f7.jsonl", "a") as f: f.write('{"id":%d}\n' % (2000 + i))
    time.sleep(0.002)
P
  wait_rows 351
  kill -INT $spid
  wait $spid
  spid=
  stats=$(awk '$NF ~ /^(fstat|newfstatat|stat|lstat|statx)$/ {n += $4} END {print n + 0}' strace.txt)
  [ "$stats" -le 900 ] || fail "$stats stat calls for 300 appends to one of 50 files"
else
  echo "strace missing: the stat count was not checked" >&2
fi
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "exit $rc"
[ "$(sort -u out.txt | wc -l)" = 351 ] || fail "rows: $(sort -u out.txt | wc -l) distinct"
echo ok
