#!/usr/bin/env bash
# Reading stdin does not change the flags of its file description, which it may share with
# the shell (a tty): no O_NONBLOCK while sluice runs, nor after it is killed; rows still arrive
# as they are written.
. "$(dirname "$0")/lib/setup.sh"
wait_row() {
  local end=$(($(now_ms) + 5000))
  until grep -qxF "$1" out.txt; do
    [ "$(now_ms)" -lt "$end" ] || fail "row $1 did not arrive: $(cat out.txt)"
    sleep 0.01
  done
}
nonblocking() { [ $((0$(awk '/^flags/ {print $2}' "$1") & 04000)) != 0 ]; }
cat > s.sql <<'Q'
CREATE TABLE j (id BIGINT) WITH ('connector' = 'filesystem', 'path' = '-', 'format' = 'json');
CREATE TABLE pr WITH ('connector' = 'print');
INSERT INTO pr SELECT id FROM j;
Q
mkfifo p
exec 3<>p # fd 3 and sluice's stdin share one open file description
"$S" run s.sql <&3 > out.txt 2> err.txt &
pid=$!
echo '{"id":1}' >&3
wait_row '+I[1]'
sleep 0.1
echo '{"id":2}' >&3
wait_row '+I[2]'
nonblocking /proc/$pid/fdinfo/0 && fail "sluice made its stdin non-blocking"
kill -9 $pid
wait $pid 2>/dev/null
pid=
nonblocking /proc/$$/fdinfo/3 && fail "the shared file description was left non-blocking"
echo ok
