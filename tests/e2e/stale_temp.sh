#!/usr/bin/env bash
# Temp files left by a killed run (kill -9: no cleanup ran) are recognised by the next run of
# the same sink and removed with a note: the bounded sink's `.NAME.inprogress.PID` and the
# unbounded sink's `.part-...inprogress.PID`. Only this sink's names whose PID is not a live
# process: a live run's temp file and another sink's are left alone.
. "$(dirname "$0")/lib/setup.sh"
until_ok() {
  local end=$(($(date +%s) + 10))
  until eval "$1"; do
    [ "$(date +%s)" -lt "$end" ] || fail "timed out: $1"
    sleep 0.02
  done
}
dead_pid=$(sh -c 'echo $$')

# bounded: killed mid-run
awk 'BEGIN { for (i = 0; i < 2000000; i++) printf "{\"id\":%d,\"s\":\"%s\"}\n", i, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }' > in.jsonl
cat > p.sql <<'Q'
CREATE TABLE t (id BIGINT, s STRING) WITH ('connector' = 'filesystem', 'path' = 'in.jsonl', 'format' = 'json');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'out/o.jsonl', 'format' = 'json');
INSERT INTO o SELECT id, REGEXP_REPLACE(s, 'a', 'b') AS s FROM t;
Q
"$S" run p.sql 2>/dev/null &
pid=$!
until_ok '[ -n "$(ls -A out 2>/dev/null | grep inprogress)" ]'
kill -9 $pid
wait $pid 2>/dev/null
left=$(ls -A out | grep inprogress)
[ "$left" = ".o.jsonl.inprogress.$pid" ] || fail "left by the killed run: $(ls -A out)"
pid=
touch "out/.o.jsonl.inprogress.$$" "out/.other.jsonl.inprogress.$dead_pid" "out/.o.jsonl.inprogress.x"
head -1000 in.jsonl > small.jsonl
sed -i 's/in.jsonl/small.jsonl/' p.sql
"$S" run p.sql 2>err.txt || fail "next run: $(cat err.txt)"
grep -qF "removed 'out/$left', left by a run that was killed" err.txt || fail "no note: $(cat err.txt)"
[ ! -e "out/$left" ] || fail "the killed run's temp file is still there"
[ -e "out/.o.jsonl.inprogress.$$" ] || fail "removed the temp file of a live process"
[ -e "out/.other.jsonl.inprogress.$dead_pid" ] || fail "removed another sink's temp file"
[ -e "out/.o.jsonl.inprogress.x" ] || fail "removed a file that is not a temp file of this sink"
[ "$(wc -l < out/o.jsonl)" = 1000 ] || fail "output: $(wc -l < out/o.jsonl) rows"

# unbounded: a monitored run killed with a part in progress
mkdir in
echo '{"id":1,"s":"a"}' > in/a.jsonl
cat > m.sql <<'Q'
CREATE TABLE t (id BIGINT, s STRING) WITH ('connector' = 'filesystem', 'path' = 'in', 'format' = 'json',
  'source.monitor-interval' = '1 h');
CREATE TABLE f WITH ('connector' = 'filesystem', 'path' = 'out/f', 'format' = 'json');
INSERT INTO f SELECT id, s FROM t;
Q
"$S" run m.sql 2>/dev/null &
pid=$!
until_ok '[ -n "$(ls -A out/f 2>/dev/null | grep inprogress)" ]'
until_ok 'grep -q "\"id\":1" out/f/.part-* 2>/dev/null'
kill -9 $pid
wait $pid 2>/dev/null
left=$(ls -A out/f | grep inprogress)
echo "$left" | grep -Eq "^\.part-[0-9a-f-]{36}-0\.inprogress\.$pid$" || fail "left: $(ls -A out/f)"
pid=
"$S" run m.sql 2>err.txt &
pid=$!
until_ok 'grep -qF "removed '"'out/f/$left'"'" err.txt'
until_ok '[ -z "$(ls -A out/f | grep "inprogress.[0-9]*$" | grep -v "inprogress.$pid$")" ]'
kill -TERM $pid
wait $pid || fail "exit $?"
pid=
grep -q '"id":1' out/f/part-* || fail "the second run did not publish the row"
echo ok
