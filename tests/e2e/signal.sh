#!/usr/bin/env bash
# SIGTERM stops a run cleanly: the sources stop, the sinks flush and commit what was read,
# the summary says so, and the exit status is 0.
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
"$S" run p.sql 2>err.txt &
pid=$!
sleep 0.3
kill -TERM $pid 2>/dev/null
wait $pid
rc=$?
[ $rc = 0 ] || { echo "exit $rc after SIGTERM"; cat err.txt; exit 1; }
[ -f out/o.jsonl ] || { echo "output not committed"; exit 1; }
rows=$(wc -l < out/o.jsonl)
if grep -q "stopped by a signal" err.txt; then
  [ "$rows" -lt 400000 ] || { echo "stopped, yet all rows written?"; exit 1; }
  grep -q "source t .* $rows rows read" err.txt || { echo "summary does not match output ($rows rows)"; cat err.txt; exit 1; }
else
  [ "$rows" = 400000 ] || { echo "finished but wrote $rows rows"; exit 1; }
fi
[ -z "$(ls -A out | grep inprogress)" ] || { echo "temp file left"; exit 1; }
tail -c 200 out/o.jsonl | tail -1 | grep -q '^{"id":[0-9]*,"s":"b*"}$' || { echo "last row is torn"; exit 1; }
echo "ok ($rows rows committed)"
