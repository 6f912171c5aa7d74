#!/usr/bin/env bash
# The filesystem source reads through a bounded window, not the whole file: resident memory
# stays small on a 64 MB input (the old mmap reader was as large as the file), records that
# cross the 1 MiB window or are longer than it (3 MB) are read whole and exactly once, CSV
# records with quoted line breaks across the window stay whole, and a record over
# 'source.max-record-size' is dead-lettered with its line and reason while the rest is read.
. "$(dirname "$0")/lib/setup.sh"

# 1. memory: 64 MB of records; peak RSS well under the file size (not under ASan: its shadow
# memory dominates)
awk 'BEGIN { pad = sprintf("%200s", ""); gsub(/ /, "x", pad)
  for (i = 0; i < 290000; i++) printf "{\"id\":%d,\"pad\":\"%s\"}\n", i, pad }' > big.jsonl
cat > mem.sql <<'Q'
CREATE TABLE t (id BIGINT, pad STRING) WITH ('connector' = 'filesystem', 'path' = 'big.jsonl', 'format' = 'json');
CREATE TABLE o WITH ('connector' = 'blackhole');
INSERT INTO o SELECT id, pad FROM t WHERE id % 7 = 0;
Q
/usr/bin/time -f "%M" -o rss.txt "$S" run mem.sql 2>err.txt || fail "mem run failed: $(cat err.txt)"
grep -q "290000 rows read" err.txt || fail "rows: $(cat err.txt)"
grep -q "41429 rows written" err.txt || fail "rows written: $(cat err.txt)"
case $S in
  */asan/*) ;;
  *) [ "$(cat rss.txt)" -lt 24000 ] || fail "peak RSS $(cat rss.txt) KB on a 64 MB file" ;;
esac

# 2. records across the window and longer than it (3 MB), and a last line without a newline
awk 'BEGIN {
  for (i = 0; i < 40; i++) {
    len = (i % 5 == 0) ? 3000000 + i : 50000 + i * 997
    s = sprintf("%" len "s", ""); gsub(/ /, "y", s)
    printf "{\"id\":%d,\"s\":\"%s\"}%s", i, s, i < 39 ? "\n" : ""
  } }' > long.jsonl
cat > long.sql <<'Q'
CREATE TABLE t (id BIGINT, s STRING) WITH ('connector' = 'filesystem', 'path' = 'long.jsonl', 'format' = 'json');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT id, CHAR_LENGTH(s) AS n FROM t;
Q
"$S" run long.sql -q > long.out 2>err.txt || fail "long run failed: $(cat err.txt)"
awk 'BEGIN { for (i = 0; i < 40; i++) printf "+I[%d, %d]\n", i, (i % 5 == 0) ? 3000000 + i : 50000 + i * 997 }' > long.want
diff long.want long.out || fail "long records differ"

# 3. CSV: quoted fields with line breaks, the window ending inside them
awk 'BEGIN {
  for (i = 0; i < 3000; i++) {
    s = sprintf("%" (400 + i % 700) "s", ""); gsub(/ /, "z", s)
    printf "%d,\"%s\nline2,\"\"q\"\"\",%d\n", i, s, i * 2
  } }' > q.csv
cat > csv.sql <<'Q'
CREATE TABLE t (id BIGINT, s STRING, k BIGINT) WITH ('connector' = 'filesystem', 'path' = 'q.csv', 'format' = 'csv');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT id, CHAR_LENGTH(s) AS n, k FROM t WHERE id % 97 = 0;
Q
"$S" run csv.sql -q > csv.out 2>err.txt || fail "csv run failed: $(cat err.txt)"
awk 'BEGIN { for (i = 0; i < 3000; i += 97) printf "+I[%d, %d, %d]\n", i, 400 + i % 700 + 10, i * 2 }' > csv.want
diff csv.want csv.out || fail "csv records differ"
[ -s sluice-dlq.jsonl ] && fail "csv dead letters: $(head -c 300 sluice-dlq.jsonl)"

# 4. a record over 'source.max-record-size' is dead-lettered; the records around it are read
{ echo '{"id":1,"s":"a"}'; awk 'BEGIN { s = sprintf("%5000s", ""); gsub(/ /, "w", s); printf "{\"id\":2,\"s\":\"%s\"}\n", s }'
  echo '{"id":3,"s":"c"}'; } > cap.jsonl
cat > cap.sql <<'Q'
CREATE TABLE t (id BIGINT, s STRING) WITH ('connector' = 'filesystem', 'path' = 'cap.jsonl', 'format' = 'json',
  'source.max-record-size' = '1kb', 'dlq.path' = 'dlq.jsonl');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT id FROM t;
Q
"$S" run cap.sql -q > cap.out 2>err.txt || fail "cap run failed: $(cat err.txt)"
[ "$(cat cap.out)" = "$(printf '+I[1]\n+I[3]')" ] || fail "cap rows: $(cat cap.out)"
grep -q '"line":2' dlq.jsonl || fail "dead letter without its line: $(head -c 300 dlq.jsonl)"
grep -q 'record longer than 1024 bytes' dlq.jsonl || fail "dead letter reason: $(head -c 300 dlq.jsonl)"
echo ok
