#!/usr/bin/env bash
# A monitored source drops a record longer than 'source.max-record-size' to its line break even
# when the rest of it arrives later: the reader leaves the file in between (nothing more to
# read now, or a rescan because a file appeared), and the rest of the dropped record must not
# be decoded as a record of its own nor dead-lettered a second time. A truncated file is read
# again from its start, not skipped.
. "$(dirname "$0")/lib/setup.sh"
expect() { # wait until the print output has ROW (up to 5 s)
  local end=$(($(now_ms) + 5000))
  until grep -qxF -- "$1" out.txt; do
    [ "$(now_ms)" -lt "$end" ] || fail "row $1 did not arrive within 5 s; output: $(cat out.txt)"
    sleep 0.005
  done
}
mkdir in
printf 'x,1\n' > in/a.csv
cat > p.sql <<'Q'
CREATE TABLE t (s STRING, n INT) WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'csv',
  'source.monitor-interval' = '1 h', 'source.max-record-size' = '16');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT s, n FROM t;
Q
"$S" run p.sql > out.txt 2> err.txt &
pid=$!
expect '+I[x, 1]'
long=$(printf '%035d' 0 | tr 0 a)
printf '%s' "$long" >> in/a.csv # longer than 16 bytes, no line break yet
sleep 0.5
printf 'zz,99\n' >> in/a.csv # the rest of the dropped record
printf 'y,2\n' >> in/a.csv
expect '+I[y, 2]'
printf '%s' "$long" >> in/a.csv # again, and a new file appears (a rescan) before the rest
sleep 0.3
printf 'w,5\n' > in/b.csv
expect '+I[w, 5]'
sleep 0.2
printf 'bbbb,98\nv,3\n' >> in/a.csv
expect '+I[v, 3]'
printf '%s' "$long" >> in/a.csv # skipping when the file is truncated: read again from the start
sleep 0.3
: > in/a.csv
printf 'u,4\n' >> in/a.csv
expect '+I[u, 4]'
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "exit $rc"
[ "$(cat out.txt)" = "$(printf '+I[%s]\n' 'x, 1' 'y, 2' 'w, 5' 'v, 3' 'u, 4')" ] ||
  fail "rows (no row from the tail of a dropped record): $(cat out.txt)"
[ "$(grep -c '"stage":"read"' sluice-dlq.jsonl)" = 3 ] ||
  fail "each long record dead-lettered once: $(cat sluice-dlq.jsonl)"
echo ok
