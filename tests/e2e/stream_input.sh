#!/usr/bin/env bash
# stdin ('path' = '-' or '/dev/stdin') and FIFOs are read as they arrive through the event
# loop, not whole: a row reaches the print sink while the writer is still writing; a FIFO
# with no writer yet is waited for (not taken as empty) without burning CPU; the run ends at
# EOF with every row, the last line even without its newline.
set -u
S=${SLUICE:?}
T=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT
cd "$T"
fail() { echo "$*"; exit 1; }
wait_for() { # wait_for FILE TEXT SECONDS: poll until FILE contains TEXT
  local end=$(($(date +%s%N) + $3 * 1000000000))
  until grep -qF -- "$2" "$1" 2>/dev/null; do
    [ "$(date +%s%N)" -lt "$end" ] || return 1
    sleep 0.02
  done
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

for p in - /dev/stdin; do
  cat > p.sql <<Q
CREATE TABLE t (id BIGINT, s STRING) WITH ('connector' = 'filesystem', 'path' = '$p', 'format' = 'json');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT id, UPPER(s) AS s FROM t;
Q
  # whole input, last line without a newline
  out=$(printf '{"id":1,"s":"a"}\n{"id":2,"s":"b"}' | "$S" run p.sql -q) || fail "$p: exit $?"
  [ "$out" = "$(printf '+I[1, A]\n+I[2, B]')" ] || fail "$p: $out"
  # incremental: row 1 is printed while the writer still holds row 2 back
  rm -f gate
  { echo '{"id":1,"s":"first"}'; while [ ! -f gate ]; do sleep 0.02; done; echo '{"id":2,"s":"second"}'; } |
    "$S" run p.sql -q > out.txt 2>err.txt &
  pid=$!
  pids+=($pid)
  wait_for out.txt "+I[1, FIRST]" 5 || fail "$p: row 1 not printed before the input ended: $(cat out.txt err.txt)"
  grep -q SECOND out.txt && fail "$p: row 2 printed before it was written"
  touch gate
  wait $pid || fail "$p: exit $?: $(cat err.txt)"
  [ "$(cat out.txt)" = "$(printf '+I[1, FIRST]\n+I[2, SECOND]')" ] || fail "$p: $(cat out.txt)"
done

# a FIFO: started before any writer, it waits idle (no CPU) instead of taking the FIFO as
# empty; the writer's close is the end of the input, as for a pipe.
mkfifo ff
sed "s|'path' = '/dev/stdin'|'path' = 'ff'|" p.sql > f.sql
"$S" run f.sql -q > fout.txt 2>ferr.txt &
pid=$!
pids+=($pid)
sleep 0.3
kill -0 $pid 2>/dev/null || fail "FIFO: the run ended before a writer came: $(cat ferr.txt)"
a=$(cpu_ticks $pid)
sleep 1
b=$(cpu_ticks $pid)
[ $((b - a)) -le 2 ] || fail "FIFO: $((b - a)) ticks of CPU while waiting for a writer"
{ echo '{"id":7,"s":"x"}'; sleep 0.3; echo '{"id":8,"s":"y"}'; } > ff
wait $pid || fail "FIFO: exit $?: $(cat ferr.txt)"
[ "$(cat fout.txt)" = "$(printf '+I[7, X]\n+I[8, Y]')" ] || fail "FIFO: $(cat fout.txt)"
echo ok
