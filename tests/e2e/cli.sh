#!/usr/bin/env bash
# CLI behaviour: help and version, exit codes, --set, ${VAR} substitution, explain formats,
# column pruning, shared sources, dry validate, atomic sinks. Fails on the first broken check.
set -u
S=${SLUICE:?}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
n=0
check() { n=$((n + 1)); if ! eval "$2"; then echo "check $n failed: $1"; exit 1; fi; }

$S --version | grep -q "^sluice [0-9]"; rc=$?; check "version" '[ $rc = 0 ]'
for c in run validate explain docs; do
  $S $c --help >out.txt; rc=$?; check "$c --help exits 0" '[ $rc = 0 ]'
  check "$c --help prints usage" 'grep -q "usage: sluice $c" out.txt'
done
$S frobnicate 2>err.txt; rc=$?; check "unknown command exits 2" '[ $rc = 2 ]'
$S rnu x.sql 2>err.txt; rc=$?; check "suggests run" 'grep -q "did you mean .run." err.txt'
$S run 2>err.txt; rc=$?; check "missing file exits 2" '[ $rc = 2 ]'
$S run nope.sql 2>err.txt; rc=$?; check "unreadable pipeline exits 2" '[ $rc = 2 ]'
$S run x.sql --bogus 2>err.txt; rc=$?; check "unknown option exits 2" '[ $rc = 2 ]'
check "unknown option lists valid ones" 'grep -q "valid options: --set" err.txt'

cat > in.jsonl <<'J'
{"id": 1, "name": "a", "amount": 2.5, "ts": "2024-01-01 00:00:00", "note": "x"}
{"id": 2, "name": "b", "amount": 4.0, "ts": "2024-01-01 00:00:01", "note": "y"}
{"id": 3, "name": "c", "amount": 1.0, "ts": "2024-01-01 00:00:02", "note": "z"}
J
cp in.jsonl other.jsonl
sed -i 's/"a"/"A"/' other.jsonl
cat > p.sql <<'Q'
CREATE TABLE t (id BIGINT, name STRING, amount DOUBLE, ts TIMESTAMP(3), note STRING)
WITH ('connector' = 'filesystem', 'path' = '${IN_DIR:-.}/in.jsonl', 'format' = 'json');
CREATE TABLE big WITH ('connector' = 'filesystem', 'path' = 'out/big.jsonl', 'format' = 'json');
CREATE TABLE names WITH ('connector' = 'filesystem', 'path' = 'out/names.csv', 'format' = 'csv');
INSERT INTO big SELECT id, amount FROM t WHERE amount > 2;
INSERT INTO names SELECT name FROM t;
Q
$S validate p.sql >out.txt; rc=$?; check "validate ok" '[ $rc = 0 ] && grep -q "^ok" out.txt'
check "validate creates no files" '[ ! -e out ]'
$S explain p.sql >plan.txt; rc=$?; check "explain exits 0" '[ $rc = 0 ]'
check "one source operator for two INSERTs" '[ $(grep -c "Source t" plan.txt) = 1 ]'
check "decoder reads only used columns" 'grep -q "reads 3 of 5 columns: id name amount" plan.txt'
check "filter and projection fused, literal cast folded" 'grep -q "Calc <- \[1\]: where (amount > 2.0); select id, amount" plan.txt'
$S explain p.sql --format json | jq -e ".nodes | length == 5" >/dev/null; rc=$?; check "explain json" '[ $rc = 0 ]'
$S explain p.sql --format dot | grep -q -- "n1 -> n2"; rc=$?; check "explain dot" '[ $rc = 0 ]'
$S explain p.sql --format yaml 2>err.txt; rc=$?; check "bad --format exits 2" '[ $rc = 2 ]'

$S run p.sql 2>sum.txt; rc=$?; check "run exits 0" '[ $rc = 0 ]'
check "source read once" 'grep -q "source t .* 3 rows read" sum.txt'
check "sink counts" 'grep -q "sink   big .* 2 rows written to out/big.jsonl" sum.txt'
check "big output" '[ "$(cat out/big.jsonl)" = "$(printf "{\"id\":1,\"amount\":2.5}\n{\"id\":2,\"amount\":4.0}")" ]'
check "no temp files left" '[ -z "$(ls -A out | grep inprogress)" ]'

$S run p.sql -q --set t.path=other.jsonl; rc=$?; check "--set table option" 'head -1 out/names.csv | grep -qx A'
mkdir -p sub && cp in.jsonl sub/
IN_DIR=sub $S run p.sql -q; rc=$?; check "env substitution" '[ $rc = 0 ] && head -1 out/names.csv | grep -qx a'
IN_DIR=missing $S run p.sql -q 2>err.txt; rc=$?; check "missing input exits 1" '[ $rc = 1 ] && grep -q "cannot open .missing/in.jsonl." err.txt'
IN_DIR= $S run p.sql -q 2>err.txt; rc=$?; check "\${VAR:-default}: set but empty takes the default" '[ $rc = 0 ] && head -1 out/names.csv | grep -qx a'
sed 's|${IN_DIR:-.}|${IN_DIR:-${IN_DIR2:-missing}}|' p.sql > p2.sql
IN_DIR2=. $S run p2.sql -q 2>err.txt; rc=$?; check "nested default" '[ $rc = 0 ]'
IN_DIR2=missing2 $S run p2.sql -q 2>err.txt; rc=$?; check "nested default is used" '[ $rc = 1 ] && grep -q "cannot open .missing2/in.jsonl." err.txt'
IN_DIR=sub $S run p2.sql -q 2>err.txt; rc=$?; check "nested default unused when set" '[ $rc = 0 ]'
$S run p.sql -q --set ordrs.path=x 2>err.txt; rc=$?; check "bad --set exits 2" '[ $rc = 2 ] && grep -q "not a known SET key" err.txt'
$S run p.sql -q --set table.local-time-zone=+01:00; rc=$?; check "--set SET key" '[ $rc = 0 ]'
$S run p.sql -q --set nokey 2>err.txt; rc=$?; check "--set without = exits 2" '[ $rc = 2 ]'

# a failing run leaves no output file and no temp file behind
cat > f.sql <<'Q'
CREATE TABLE t (id INT) WITH ('connector' = 'filesystem', 'path' = 'bad.csv', 'format' = 'csv', 'on-error' = 'fail');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'fout/o.csv', 'format' = 'csv');
INSERT INTO o SELECT id FROM t;
Q
printf '1\n2\nx\n' > bad.csv
$S run f.sql 2>err.txt; rc=$?; check "on-error fail exits 1" '[ $rc = 1 ]'
check "error names file and line" 'grep -q "bad.csv:3:" err.txt'
check "nothing committed" '[ ! -e fout/o.csv ] && [ -z "$(ls -A fout)" ]'

# secrets-free summary goes to stderr, data to stdout
printf "CREATE TABLE p WITH ('connector' = 'print', 'print-identifier' = 'dbg');\nINSERT INTO p SELECT 1 AS x, 'y' AS s;\n" > pr.sql
$S run pr.sql >so.txt 2>se.txt; rc=$?; check "print to stdout" '[ "$(cat so.txt)" = "dbg> +I[1, y]" ] && grep -q finished se.txt'
# two sinks on one file, or a dead-letter file that is a sink's or a source's, are refused by run too
sed 's|out/names.csv|./out/x/../big.jsonl|' p.sql > same.sql
$S run same.sql -q 2>err.txt; rc=$?; check "run refuses two sinks on one file" '[ $rc = 2 ] && grep -q "the file table .big. also writes" err.txt'
printf "%s\n" "CREATE TABLE o (a INT) WITH ('connector' = 'print');" "CREATE TABLE f (a INT) WITH ('conector' = 'print');" > typo.sql
$S validate typo.sql 2>err.txt; rc=$?; check "a mistyped 'connector' is named" '[ $rc = 2 ] && grep -q "did you mean .connector." err.txt'

# long but ordinary SQL never crashes: chains are flat, real nesting is a located error
printf '{"a": 1}\n{"a": 2}\n' > long.jsonl
long_sql() { # $1: the query after INSERT INTO o
  printf "CREATE TABLE s (a INT) WITH ('connector' = 'filesystem', 'path' = 'long.jsonl', 'format' = 'json');\n"
  printf "CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'out/long.jsonl', 'format' = 'json');\n"
  printf "INSERT INTO o %s;\n" "$1"
}
long_sql "SELECT a FROM s WHERE $(seq 2 2001 | awk '{printf "%sa = %d", (NR > 1 ? " OR " : ""), $1}')" > or.sql
$S run or.sql -q; rc=$?; check "OR chain of 2,000 terms runs" '[ $rc = 0 ] && [ "$(cat out/long.jsonl)" = "{\"a\":2}" ]'
long_sql "SELECT a FROM s WHERE $(seq 3 2002 | awk '{printf "%sa <> %d", (NR > 1 ? " AND " : ""), $1}')" > and.sql
$S run and.sql -q; rc=$?; check "AND chain of 2,000 terms runs" '[ $rc = 0 ] && [ "$(wc -l < out/long.jsonl)" = 2 ]'
long_sql "SELECT $(seq 1800 | awk '{printf "%sa", (NR > 1 ? " + " : "")}') AS x FROM s" > sum.sql
$S run sum.sql -q; rc=$?; check "sum of 1,800 terms runs" '[ $rc = 0 ] && [ "$(tail -n 1 out/long.jsonl)" = "{\"x\":3600}" ]'
$S explain sum.sql > ex.txt; rc=$?; check "sum of 1,800 terms explains" '[ $rc = 0 ]'
long_sql "SELECT a FROM s WHERE $(printf 'NOT %.0s' $(seq 1000)) a = 1" > not.sql
$S run not.sql -q; rc=$?; check "1,000 nested NOTs run" '[ $rc = 0 ] && [ "$(cat out/long.jsonl)" = "{\"a\":1}" ]'
long_sql "SELECT a FROM s WHERE $(printf 'NOT %.0s' $(seq 5000)) a = 1" > not.sql
$S validate not.sql 2>err.txt; rc=$?; check "5,000 nested NOTs: located error" '[ $rc = 2 ] && grep -q "^not.sql:3:.*nests more than 2000 operators deep" err.txt'
long_sql "SELECT $(printf '(%.0s' $(seq 5000))a$(printf ')%.0s' $(seq 5000)) AS x FROM s" > par.sql
$S validate par.sql 2>err.txt; rc=$?; check "5,000 parentheses: located error" '[ $rc = 2 ] && grep -q "^par.sql:3:.*nests more than 256 levels deep" err.txt'
long_sql "SELECT a FROM $(printf '(SELECT a FROM %.0s' $(seq 3000))s$(printf ')%.0s' $(seq 3000))" > sub.sql
$S validate sub.sql 2>err.txt; rc=$?; check "3,000 nested subqueries: located error" '[ $rc = 2 ] && grep -q "^sub.sql:3:.*nests more than 256 levels deep" err.txt'
long_sql "WITH c0 AS (SELECT a FROM s)$(seq 21 | awk '{printf ", c%d AS (SELECT a FROM c%d UNION ALL SELECT a + 1 FROM c%d)", $1, $1 - 1, $1 - 1}') SELECT a FROM c21" > cte.sql
timeout 10 $S validate cte.sql >out.txt; rc=$?; check "22 nested WITH queries, each used twice, validate at once" '[ $rc = 0 ]'
long_sql "WITH c0 AS (SELECT a FROM s)$(seq 3 | awk '{printf ", c%d AS (SELECT a FROM c%d UNION ALL SELECT a + 10 FROM c%d)", $1, $1 - 1, $1 - 1}') SELECT a FROM c3" > cte.sql
$S run cte.sql -q; rc=$?; check "a WITH query used twice runs once per use" '[ $rc = 0 ] && [ "$(wc -l < out/long.jsonl)" = 16 ] && [ "$(grep -c "\"a\":32" out/long.jsonl)" = 1 ]'
long_sql "$(seq 30000 | awk '{printf "%sSELECT a FROM s", (NR > 1 ? " UNION ALL " : "")}')" > union.sql
$S validate union.sql >out.txt; rc=$?; check "UNION ALL of 30,000 branches validates" '[ $rc = 0 ]'
long_sql "$(seq 300 | awk '{printf "%sSELECT a + %d AS a FROM s", (NR > 1 ? " UNION ALL " : ""), $1}')" > union.sql
$S run union.sql -q; rc=$?; check "UNION ALL of 300 branches runs" '[ $rc = 0 ] && [ "$(wc -l < out/long.jsonl)" = 600 ]'
echo "$n checks passed"
