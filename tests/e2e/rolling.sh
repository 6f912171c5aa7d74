#!/usr/bin/env bash
# The filesystem sink in an unbounded run writes rolling part files into the 'path' directory,
# Flink's layout: hidden `.part-<uuid>-<n>.inprogress.<pid>` files, published as
# `part-<uuid>-<n>` when they reach 'sink.rolling-policy.file-size', when they have been open
# 'sink.rolling-policy.rollover-interval' (checked every 'sink.rolling-policy.check-interval'),
# and when the run stops. Every row is in exactly one published part; a bounded reader of the
# directory never sees an in-progress file.
. "$(dirname "$0")/lib/setup.sh"
# until CMD succeeds, up to 5 s
until_ok() {
  local end=$(($(now_ms) + 5000))
  until eval "$1"; do
    [ "$(now_ms)" -lt "$end" ] || fail "timed out: $1"
    sleep 0.02
  done
}
published() { ls out/f 2>/dev/null | grep -c '^part-' || true; }

mkdir in
cat > p.sql <<'Q'
CREATE TABLE t (id BIGINT, s STRING) WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'json',
  'source.monitor-interval' = '1 h');
CREATE TABLE f WITH ('connector' = 'filesystem', 'path' = 'out/f', 'format' = 'json',
  'sink.rolling-policy.file-size' = '200b', 'sink.rolling-policy.rollover-interval' = '400 ms',
  'sink.rolling-policy.check-interval' = '100 ms');
INSERT INTO f SELECT id, s FROM t;
Q
"$S" run p.sql 2> err.txt &
pid=$!
# by size: 30 rows of ~35 bytes roll every 6 rows
awk 'BEGIN { for (i = 1; i <= 30; i++) printf "{\"id\":%d,\"s\":\"xxxxxxxxxxxxxxxxxx\"}\n", i }' > in/a.jsonl
until_ok '[ "$(published)" -ge 5 ]'
for p in out/f/part-*; do
  [ "$(stat -c %s "$p")" -le 240 ] || fail "$p is larger than the rolling size: $(stat -c %s "$p")"
done
ls out/f | grep -Ev '^(part-[0-9a-f-]{36}-[0-9]+|\.part-[0-9a-f-]{36}-[0-9]+\.inprogress\.[0-9]+)$' &&
  fail "unexpected names in out/f: $(ls -A out/f)"
# by time: one row, no more data, published after the rollover interval while the run goes on
n=$(published)
echo '{"id":31,"s":"late"}' >> in/a.jsonl
until_ok '[ "$(published)" -gt '"$n"' ]'
grep -q '"id":31' out/f/part-* || fail "row 31 not in a published part"
# a bounded reader of the directory sees the published rows only (hidden files are skipped)
cat > r.sql <<'Q'
CREATE TABLE f (id BIGINT) WITH ('connector' = 'filesystem', 'path' = 'out/f', 'format' = 'json');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT id FROM f;
Q
echo '{"id":32,"s":"open"}' >> in/a.jsonl
until_ok 'ls -A out/f | grep -q inprogress'
"$S" run r.sql -q | sort -t[ -k2 -n > seen.txt
grep -q '+I\[32\]' seen.txt && fail "a reader saw a row of an in-progress part"
[ "$(wc -l < seen.txt)" = 31 ] || fail "reader saw $(wc -l < seen.txt) rows"
# stop: the open part is published, exit 0
kill -TERM $pid
wait $pid
rc=$?
pid=
[ $rc = 0 ] || fail "SIGTERM: exit $rc"
[ -z "$(ls -A out/f | grep inprogress)" ] || fail "in-progress file left: $(ls -A out/f)"
cat out/f/part-* | sed 's/.*"id":\([0-9]*\).*/\1/' | sort -n > ids.txt
[ "$(cat ids.txt)" = "$(seq 1 32)" ] || fail "rows in the parts (each once): $(tr '\n' ' ' < ids.txt)"
echo ok
