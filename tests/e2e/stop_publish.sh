#!/usr/bin/env bash
# A run publishes all of its outputs or none. (1) A bounded statement set whose first sink's
# source has ended, but whose other source (a FIFO whose writer stays) has not, is stopped by
# SIGTERM: neither output is published, the previous files stay, exit 143. (2) A stop reaches a
# run blocked writing to a pipe nobody reads: it exits (143) instead of waiting forever.
set -u
S=${SLUICE:?}
T=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf "$T"' EXIT
cd "$T"
wait_exit() { # pid seconds: waits for pid to end; 1 if it is still alive after that
  local i
  for ((i = 0; i < $2 * 20; i++)); do kill -0 $1 2>/dev/null || return 0; sleep 0.05; done
  return 1
}

echo '{"id":1}' > a.jsonl
mkfifo b.fifo
cat > p.sql <<'Q'
CREATE TABLE a (id INT) WITH ('connector' = 'filesystem', 'path' = 'a.jsonl', 'format' = 'json');
CREATE TABLE b (id INT) WITH ('connector' = 'filesystem', 'path' = 'b.fifo', 'format' = 'json');
CREATE TABLE oa WITH ('connector' = 'filesystem', 'path' = 'outa.jsonl', 'format' = 'json');
CREATE TABLE ob WITH ('connector' = 'filesystem', 'path' = 'outb.jsonl', 'format' = 'json');
INSERT INTO oa SELECT id FROM a;
INSERT INTO ob SELECT id FROM b;
Q
echo old > outa.jsonl
echo old > outb.jsonl
sleep 30 > b.fifo & # a writer that stays and writes nothing
pids+=($!)
"$S" run p.sql 2>err.txt &
pid=$!
pids+=($pid)
sleep 0.5
kill -TERM $pid
wait_exit $pid 5 || { echo "(1) still running 5 s after SIGTERM"; exit 1; }
wait $pid
rc=$?
[ $rc = 143 ] || { echo "(1) exit $rc, expected 143"; cat err.txt; exit 1; }
[ "$(cat outa.jsonl)" = old ] || { echo "(1) outa.jsonl was published by a run that was stopped: $(cat outa.jsonl)"; exit 1; }
[ "$(cat outb.jsonl)" = old ] || { echo "(1) outb.jsonl was replaced"; exit 1; }
[ -z "$(ls -A | grep inprogress)" ] || { echo "(1) temp file left"; ls -A; exit 1; }

awk 'BEGIN { for (i = 0; i < 200000; i++) printf "{\"id\":%d}\n", i }' > big.jsonl
cat > q.sql <<'Q'
CREATE TABLE t (id INT) WITH ('connector' = 'filesystem', 'path' = 'big.jsonl', 'format' = 'json');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT id FROM t;
Q
mkfifo out.fifo
exec 3<>out.fifo # held open for reading, never read: the pipe fills and the writer blocks
"$S" run q.sql >out.fifo 2>err2.txt &
pid=$!
pids+=($pid)
sleep 0.5
kill -0 $pid 2>/dev/null || { echo "(2) ended before the stop: $(cat err2.txt)"; exit 1; }
kill -TERM $pid
wait_exit $pid 5 || { echo "(2) blocked writing: still running 5 s after SIGTERM"; exit 1; }
wait $pid
rc=$?
exec 3<&-
[ $rc = 143 ] || { echo "(2) exit $rc, expected 143"; cat err2.txt; exit 1; }
grep -q "stopped by SIGTERM" err2.txt || { echo "(2) no stop message"; cat err2.txt; exit 1; }
echo ok
