#!/usr/bin/env bash
# PARTITIONED BY on a filesystem sink: each row's record goes to part files under
# col=value/ directories of 'path' (escaped as Hive does, NULL as 'partition.default-name'),
# without the partition columns; a partitioned source reads the result back to the same rows.
# In an unbounded run the partition directories get rolling part files, published on SIGTERM.
. "$(dirname "$0")/lib/setup.sh"
cat > in.jsonl <<'D'
{"id":1,"day":"2024-03-01","region":"eu","v":1.5}
{"id":2,"day":"2024-03-01","region":"us","v":2.5}
{"id":3,"day":"2024-03-02","region":"eu","v":3.5}
{"id":4,"day":"2024-03-02","region":null,"v":4.5}
{"id":5,"day":"2024-03-02","region":"a/b=c","v":5.5}
D
cat > w.sql <<'Q'
CREATE TABLE src (id BIGINT, day DATE, region STRING, v DOUBLE)
  WITH ('connector' = 'filesystem', 'path' = 'in.jsonl', 'format' = 'json');
CREATE TABLE dst (id BIGINT, day DATE, region STRING, v DOUBLE) PARTITIONED BY (day, region)
  WITH ('connector' = 'filesystem', 'path' = 'out/dst', 'format' = 'csv');
INSERT INTO dst SELECT id, day, region, v FROM src;
Q
"$S" run w.sql 2>err.txt || fail "write: exit $?"
dirs=$(cd out/dst && find . -type f | sed 's|/part-[0-9a-f-]*$||' | sort | tr '\n' ' ')
[ "$dirs" = "./day=2024-03-01/region=eu ./day=2024-03-01/region=us ./day=2024-03-02/region=__DEFAULT_PARTITION__ ./day=2024-03-02/region=a%2Fb%3Dc ./day=2024-03-02/region=eu " ] ||
  fail "partition directories: $dirs"
[ "$(cat out/dst/day=2024-03-02/region=eu/part-*)" = "3,3.5" ] || fail "record: $(cat out/dst/day=2024-03-02/region=eu/part-*)"
cat > r.sql <<'Q'
CREATE TABLE dst (id BIGINT, day DATE, region STRING, v DOUBLE) PARTITIONED BY (day, region)
  WITH ('connector' = 'filesystem', 'path' = 'out/dst', 'format' = 'csv');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT id, day, region, v FROM dst;
Q
"$S" run r.sql -q | sort > back.txt || fail "read back: exit $?"
want='+I[1, 2024-03-01, eu, 1.5]
+I[2, 2024-03-01, us, 2.5]
+I[3, 2024-03-02, eu, 3.5]
+I[4, 2024-03-02, NULL, 4.5]
+I[5, 2024-03-02, a/b=c, 5.5]'
[ "$(cat back.txt)" = "$want" ] || fail "read back: $(cat back.txt)"

# unbounded: a monitored source into a partitioned sink
mkdir mon
cp in.jsonl mon/
sed "s|'path' = 'in.jsonl', 'format' = 'json'|'path' = 'mon', 'format' = 'json', 'source.monitor-interval' = '1 h'|; s|out/dst|out/live|" w.sql > m.sql
"$S" run m.sql 2>err.txt &
pid=$!
end=$(($(date +%s) + 5))
until [ "$(find out/live -name '.part-*' 2>/dev/null | wc -l)" = 5 ]; do
  [ "$(date +%s)" -lt "$end" ] || fail "no in-progress parts in 5 partitions: $(find out/live)"
  sleep 0.02
done
kill -TERM $pid
wait $pid || fail "SIGTERM: exit $?"
pid=
[ "$(find out/live -name 'part-*' | wc -l)" = 5 ] || fail "published: $(find out/live)"
[ "$(find out/live -name '.part-*' | wc -l)" = 0 ] || fail "in-progress left: $(find out/live)"
echo ok
