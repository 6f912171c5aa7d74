#!/usr/bin/env bash
# Stop is not end. SIGTERM or SIGINT during a bounded run: nothing is published (the previous
# output file stays as it was, no temp file is left), the message says so, and the exit status
# is 128+signal so a scheduler never takes it for a success. (The unbounded case, which
# publishes and exits 0, is in monitor.sh.)
set -u
S=${SLUICE:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
awk 'BEGIN { for (i = 0; i < 400000; i++) printf "{\"id\":%d,\"s\":\"%s\"}\n", i, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" }' > in.jsonl
cat > p.sql <<'Q'
CREATE TABLE t (id BIGINT, s STRING) WITH ('connector' = 'filesystem', 'path' = 'in.jsonl', 'format' = 'json');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'out/o.jsonl', 'format' = 'json');
INSERT INTO o SELECT id, REGEXP_REPLACE(s, 'a', 'b') AS s FROM t;
Q
mkdir -p out
echo '{"previous":"run"}' > out/o.jsonl
for sig in TERM INT; do
  "$S" run p.sql 2>err.txt &
  pid=$!
  sleep 0.3
  kill -$sig $pid 2>/dev/null
  wait $pid
  rc=$?
  want=$((128 + $(kill -l $sig)))
  if grep -q "stopped by SIG$sig before the end of the input" err.txt; then
    [ $rc = $want ] || { echo "SIG$sig: exit $rc, expected $want"; cat err.txt; exit 1; }
    [ "$(cat out/o.jsonl)" = '{"previous":"run"}' ] || { echo "SIG$sig: the previous output was replaced"; exit 1; }
    grep -q "outputs not published" err.txt || { echo "SIG$sig: message does not say nothing was published"; cat err.txt; exit 1; }
  else
    # the machine was fast enough to finish before the signal: then it is a normal end
    [ $rc = 0 ] || { echo "SIG$sig: exit $rc"; cat err.txt; exit 1; }
    [ "$(wc -l < out/o.jsonl)" = 400000 ] || { echo "finished but wrote $(wc -l < out/o.jsonl) rows"; exit 1; }
    echo '{"previous":"run"}' > out/o.jsonl
  fi
  [ -z "$(ls -A out | grep inprogress)" ] || { echo "SIG$sig: temp file left"; ls -A out; exit 1; }
done
echo ok
