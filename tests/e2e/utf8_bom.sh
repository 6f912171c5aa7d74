#!/usr/bin/env bash
# A UTF-8 byte-order mark at the start of a JSON or CSV file is skipped (it does not break the
# first record or the CSV header), and invalid UTF-8 in the input never reaches an output: JSON
# and CSV sinks and every dead-letter line are valid UTF-8 (U+FFFD replaces each bad sequence)
# and the JSON ones parse. Fails on the first broken check.
set -u
S=${SLUICE:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
n=0
check() { n=$((n + 1)); if ! eval "$2"; then echo "check $n failed: $1"; exit 1; fi; }

# BOM + header; a name with a lone continuation byte, a truncated sequence, an overlong
# encoding and a surrogate; a bad INT whose text is invalid UTF-8 goes to the dead-letter file.
printf '\xef\xbb\xbfid,name\n1,a\x80b\n2,\xe2\x82\n3,\xc0\xafz\n\xff\xfe,bad\n4,\xed\xa0\x80\n' >in.csv
printf '\xef\xbb\xbf{"id": 5, "name": "j\\u00e9"}\n{"id": 6, "name": "k"}\n' >in.jsonl
cat >p.sql <<'SQL'
CREATE TABLE c (id INT, name STRING)
WITH ('connector' = 'filesystem', 'path' = 'in.csv', 'format' = 'csv', 'csv.header' = 'true');
CREATE TABLE j (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = 'in.jsonl', 'format' = 'json');
CREATE TABLE oj WITH ('connector' = 'filesystem', 'path' = 'o.jsonl', 'format' = 'json');
CREATE TABLE oc WITH ('connector' = 'filesystem', 'path' = 'o.csv', 'format' = 'csv');
INSERT INTO oj SELECT id, name, CHAR_LENGTH(name) AS len FROM c UNION ALL SELECT id, name, CHAR_LENGTH(name) FROM j;
INSERT INTO oc SELECT id, name FROM c;
SQL
"$S" run p.sql -q 2>err.txt
rc=$?
check "run exits 0" '[ $rc = 0 ]'
check "JSON sink is valid JSON lines" 'python3 -c "import json,sys; [json.loads(l) for l in open(\"o.jsonl\", encoding=\"utf-8\")]"'
check "dead-letter lines are valid JSON" 'python3 -c "import json; [json.loads(l) for l in open(\"sluice-dlq.jsonl\", encoding=\"utf-8\")]"'
check "CSV sink is valid UTF-8" 'python3 -c "open(\"o.csv\", encoding=\"utf-8\").read()"'
check "one dead letter (the bad id)" '[ "$(wc -l <sluice-dlq.jsonl)" = 1 ]'
want=$(printf '{"id":1,"name":"a\xef\xbf\xbdb","len":3}\n{"id":2,"name":"\xef\xbf\xbd","len":1}\n{"id":3,"name":"\xef\xbf\xbd\xef\xbf\xbdz","len":3}\n{"id":4,"name":"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd","len":3}\n{"id":5,"name":"j\xc3\xa9","len":2}\n{"id":6,"name":"k","len":1}')
check "BOM skipped, U+FFFD per maximal invalid subpart" '[ "$(sort o.jsonl)" = "$want" ]'
raw=$(printf '"raw":"\xef\xbf\xbd\xef\xbf\xbd,bad"')
check "dead letter keeps the record with U+FFFD" 'grep -qF "$raw" sluice-dlq.jsonl'
check "dead letter names line 5" 'grep -q "\"line\":5" sluice-dlq.jsonl'

# A BOM before the first field of a CSV file without a header.
printf '\xef\xbb\xbf7,x\xf5y\n' >in2.csv
cat >q.sql <<'SQL'
CREATE TABLE c (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = 'in2.csv', 'format' = 'csv');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'o2.csv', 'format' = 'csv');
INSERT INTO o SELECT id, name FROM c;
SQL
"$S" run q.sql -q 2>err.txt
rc=$?
check "BOM before the first CSV field" '[ $rc = 0 ] && [ "$(cat o2.csv)" = "$(printf "7,x\xef\xbf\xbdy")" ]'
exit 0
