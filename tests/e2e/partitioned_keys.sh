#!/usr/bin/env bash
# A partitioned sink puts each row in its own partition's directory whatever the order of the
# rows: consecutive rows of the same partition share it, and rows whose values only look alike
# do not (0.0 and -0.0, NULL and the string 'null', 'a' and 'A'), in batches of any size; and
# with rows for 100 partitions interleaved every partition gets exactly its rows.
. "$(dirname "$0")/lib/setup.sh"
cat > in.jsonl <<'D'
{"id":1,"d":0.0,"s":"a"}
{"id":2,"d":-0.0,"s":"a"}
{"id":3,"d":-0.0,"s":"A"}
{"id":4,"d":null,"s":"A"}
{"id":5,"d":null,"s":null}
{"id":6,"d":null,"s":"null"}
{"id":7,"d":1.5,"s":"null"}
{"id":8,"d":0.0,"s":"a"}
D
for bs in 1 3 1024; do
  rm -rf out
  cat > p.sql <<'Q'
CREATE TABLE t (id BIGINT, d DOUBLE, s STRING) WITH ('connector' = 'filesystem', 'path' = 'in.jsonl', 'format' = 'json');
CREATE TABLE o (id BIGINT, d DOUBLE, s STRING) PARTITIONED BY (d, s)
  WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'csv');
INSERT INTO o SELECT id, d, s FROM t;
Q
  "$S" run p.sql -q --set sluice.batch-size=$bs 2> err.txt || fail "batch $bs: exit $?"
  got=$(cd out && for d in */*; do echo "$d: $(cat "$d"/part-* | tr '\n' ' ')"; done)
  want="d=-0.0/s=A: 3 
d=-0.0/s=a: 2 
d=0.0/s=a: 1 8 
d=1.5/s=null: 7 
d=__DEFAULT_PARTITION__/s=A: 4 
d=__DEFAULT_PARTITION__/s=__DEFAULT_PARTITION__: 5 
d=__DEFAULT_PARTITION__/s=null: 6 "
  [ "$got" = "$want" ] || fail "batch $bs: $got"
done

# 100 partitions, rows interleaved (more buckets than the hash's first size, revisited often)
python3 -c "
for i in range(5000): print('{\"id\":%d,\"p\":%d}' % (i, (i * 37) % 100))" > many.jsonl
cat > m.sql <<'Q'
CREATE TABLE t (id BIGINT, p INT) WITH ('connector' = 'filesystem', 'path' = 'many.jsonl', 'format' = 'json');
CREATE TABLE o (id BIGINT, p INT) PARTITIONED BY (p) WITH ('connector' = 'filesystem', 'path' = 'm', 'format' = 'csv');
INSERT INTO o SELECT id, p FROM t;
Q
"$S" run m.sql -q --set sluice.batch-size=7 2> err.txt || fail "many: exit $?"
bad=$(cd m && for d in p=*; do p=${d#p=}; awk -v p="$p" '($1 * 37) % 100 != p' "$d"/part-*; done | head -3)
[ -z "$bad" ] || fail "rows in the wrong partition: $bad"
[ "$(cat m/p=*/part-* | wc -l)" = 5000 ] || fail "rows: $(cat m/p=*/part-* | wc -l)"
echo ok
