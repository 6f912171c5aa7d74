# migrate.sh - `sluice migrate` proven against real PostgreSQL 15: every batch job in
# tests/migrate/<job>/ runs in PostgreSQL over the shop's rows (tests/migrate/shop/), its output
# table is exported, the job is migrated (exit status as in <job>/expect, the output passes
# `sluice validate`), the pipeline runs over the same rows as files, and the two outputs must
# agree key by key under `sluice diff` (windowed jobs per window of yesterday). Jobs translated in part must say so:
# exit 1, the expected number of '-- NOT TRANSLATED:' lines and a summary on stderr. Also: bad
# SQL and a bad --sources line exit 2 with their position.
. "$ROOT/tests/e2e/lib/setup.sh"
. "$ROOT/tests/e2e/lib/pg.sh"
M=$ROOT/tests/migrate
export PGTZ=UTC
pg_start || fail "cannot start PostgreSQL"
D1=$(pgq "SELECT current_date - 1") || fail "psql"
D2=$(pgq "SELECT current_date - 2")
mkdir data
for f in "$M"/shop/*.jsonl; do
  sed -e "s/@D-1@/$D1/g" -e "s/@D-2@/$D2/g" "$f" >"data/$(basename "$f")"
done
cp "$M/shop/sources" data/sources
# the shop's database: the template of every job's own database
{
  echo "CREATE SCHEMA shop;"
  cat "$M/shop/schema.sql"
  echo "CREATE TEMP TABLE raw (j jsonb);"
  for t in orders customers shipments; do
    echo "\\copy raw FROM 'data/$t.jsonl' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')"
    echo "INSERT INTO shop.$t SELECT r.* FROM raw, jsonb_populate_record(NULL::shop.$t, raw.j) r;"
    echo "TRUNCATE raw;"
  done
} >load.sql
psql -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE shop" >/dev/null || fail "create database"
psql -X -q -v ON_ERROR_STOP=1 -d shop -f load.sql >err.txt 2>&1 || fail "loading the shop"
[ "$(psql -X -A -t -d shop -c 'SELECT count(*) FROM shop.orders')" -gt 40 ] || fail "orders not loaded"

jobs=0 full=0
for dir in "$M"/*/; do
  j=$(basename "$dir")
  [ -f "$dir/job.sql" ] || continue
  jobs=$((jobs + 1))
  want=$(awk '$1 == "exit" {print $2}' "$dir/expect")
  schema=(--schema "$M/shop/schema.sql")
  [ -f "$dir/schema.sql" ] && schema+=(--schema "$dir/schema.sql")
  rc=0
  "$S" migrate "$dir/job.sql" "${schema[@]}" --sources data/sources -o "data/$j.sql" \
    2>"$j.err" || rc=$?
  [ "$rc" = "$want" ] || { cat "$j.err"; fail "$j: migrate exit $rc, want $want"; }
  [ "$rc" = 0 ] && full=$((full + 1))
  (cd data && "$S" validate "$j.sql" >/dev/null 2>"../$j.verr") ||
    { cat "$j.verr"; fail "$j: the migrated pipeline does not pass sluice validate"; }
  grep -q -- '-- rewrite: ' "data/$j.sql" || fail "$j: no rewrite is commented"
  nt=$(grep -c -- '^-- NOT TRANSLATED:' "data/$j.sql")
  wnt=$(awk '$1 == "not-translated" {print $2}' "$dir/expect")
  [ "$nt" = "${wnt:-0}" ] || fail "$j: $nt NOT TRANSLATED lines, want ${wnt:-0}"
  if [ "$rc" = 1 ]; then
    grep -q "translated in part: $nt part" "$j.err" || fail "$j: no summary on stderr"
  fi
  # the batch job in PostgreSQL, in a copy of the shop's database
  psql -X -q -c "CREATE DATABASE \"$j\" TEMPLATE shop" >/dev/null || fail "$j: database"
  [ -f "$dir/schema.sql" ] && { psql -X -q -v ON_ERROR_STOP=1 -d "$j" -f "$dir/schema.sql" \
    >/dev/null 2>err.txt || fail "$j: schema"; }
  psql -X -q -v ON_ERROR_STOP=1 -d "$j" -f "$dir/job.sql" >/dev/null 2>err.txt ||
    fail "$j: the batch job fails in PostgreSQL"
  # the migrated pipeline over the same rows
  (cd data && "$S" run "$j.sql" -q >/dev/null 2>"../$j.rerr") ||
    { cat "$j.rerr"; fail "$j: the migrated pipeline fails"; }
  while read -r what table keys wcol; do
    [ "$what" = compare ] || continue
    # `sluice diff` reads PostgreSQL's table through the jdbc connector and the pipeline's
    # output file through the filesystem connector, both declared with the batch table's
    # columns (from PostgreSQL's catalog: a CREATE TABLE AS has none in the job). A windowed
    # job's stream is restricted to yesterday's windows (the batch job computes yesterday only,
    # the stream every day; a batch row of another day shows as missing).
    cols=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$j" -c "
      SELECT string_agg(format('  \`%s\` %s', attname, CASE
        WHEN t LIKE 'numeric(%' THEN 'DECIMAL' || substr(t, 8)
        WHEN t LIKE 'timestamp% with time zone' THEN 'TIMESTAMP_LTZ(3)'
        WHEN t LIKE 'timestamp%' THEN 'TIMESTAMP(3)'
        WHEN t IN ('text', 'character varying') OR t LIKE 'character%' THEN 'STRING'
        ELSE upper(t) END), E',\n' ORDER BY attnum)
      FROM (SELECT attname, attnum, format_type(atttypid, atttypmod) AS t FROM pg_attribute
            WHERE attrelid = '$table'::regclass AND attnum > 0 AND NOT attisdropped) a") ||
      fail "$j: the columns of $table"
    where=
    [ -n "$wcol" ] && where=" WHERE CAST(\`$wcol\` AS STRING) LIKE '$D1%'"
    cmp=$j.$table.cmp.sql
    {
      printf 'CREATE TABLE batch (\n%s\n) WITH (%s);\n' "$cols" \
        "'connector' = 'jdbc', 'url' = 'postgresql://127.0.0.1:$PGPORT/$j', 'table-name' = '$table'"
      printf 'CREATE TABLE stream (\n%s\n) WITH (%s);\n' "$cols" \
        "'connector' = 'filesystem', 'path' = '$PWD/data/$table.jsonl', 'format' = 'json'"
      printf 'CREATE VIEW stream_rows AS SELECT * FROM stream%s;\n' "$where"
    } >"$cmp"
    args=("$cmp:batch" "$cmp:stream_rows" --key "$keys" ${wcol:+--window-column "$wcol"})
    rc=0
    "$S" diff "${args[@]}" --format json >"$j.$table.diff.json" 2>"$j.$table.diff.err" || rc=$?
    if [ "$rc" != 0 ]; then
      cat "$j.$table.diff.err"
      "$S" diff "${args[@]}" || true
      fail "$j: $table differs from PostgreSQL's (sluice diff exit $rc)"
    fi
    # the batch job wrote rows, and every one of them was matched
    summary=$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
assert r["equal"] and r["left_rows"] > 0, r
assert r["matching"] == r["left_rows"] == r["right_rows"], r
assert ("windows" in r) == (sys.argv[2] != ""), "windows"
w = " in %d windows" % len(r["windows"]) if sys.argv[2] else ""
print("%d rows equal%s" % (r["matching"], w))' "$j.$table.diff.json" "$wcol") ||
      fail "$j: $table: the diff report is not a full match"
    echo "$j/$table: $summary"
  done <"$dir/expect"
done
[ "$jobs" -ge 8 ] || fail "only $jobs jobs"
echo "$full of $jobs jobs translated fully"

# SQL that cannot be read: exit 2, file:line:column and a caret
printf 'INSERT INTO t\nSELECT a +* FROM shop.orders;\n' >bad.sql
rc=0
"$S" migrate bad.sql -o bad.out 2>err.txt || rc=$?
[ "$rc" = 2 ] || fail "bad SQL: exit $rc, want 2"
grep -q '^bad.sql:2:' err.txt || fail "bad SQL: no position"
grep -q '\^' err.txt || fail "bad SQL: no caret"
printf "INSERT INTO t SELECT 'open FROM x;\n" >bad2.sql
rc=0
"$S" migrate bad2.sql 2>err.txt >/dev/null || rc=$?
[ "$rc" = 2 ] && grep -q '^bad2.sql:1:' err.txt || fail "unterminated string: exit $rc"
# a bad --sources line
echo "shop.orders ftp somewhere" >bad.sources
rc=0
"$S" migrate "$M/hourly_revenue/job.sql" --sources bad.sources 2>err.txt >/dev/null || rc=$?
[ "$rc" = 2 ] && grep -q 'bad.sources:1:' err.txt || fail "bad --sources: exit $rc"
# no --sources: defaults with a TODO, still a valid pipeline
rc=0
"$S" migrate "$M/daily_country/job.sql" --schema "$M/shop/schema.sql" -o nosrc.sql 2>err.txt || rc=$?
[ "$rc" = 0 ] || fail "no --sources: exit $rc"
grep -q 'not in --sources: TODO' nosrc.sql || fail "no TODO for unlisted tables"
"$S" validate nosrc.sql >/dev/null 2>err.txt || fail "no --sources: not valid"
# a job without statements is bad usage
echo "-- nothing here" >empty.sql
rc=0
"$S" migrate empty.sql 2>err.txt >/dev/null || rc=$?
[ "$rc" = 2 ] && grep -q 'no SQL statement' err.txt || fail "empty job: exit $rc"
# usage
rc=0
"$S" migrate 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "no job: exit $rc"
exit 0
