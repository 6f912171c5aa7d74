#!/usr/bin/env bash
# Docs examples are tests. In docs/*.md:
#   ```file NAME   ...```   an input file for the next example
#   ```sql         ...```   a complete pipeline: it must pass `sluice validate`
#   ```output      ...```   right after a sql block: run it; stdout must be exactly this
# And the function reference in docs/sql.md must be what `sluice docs functions` prints, and
# every function's example must print its documented result.
set -u
# docs/jdbc.md shows a password taken from the environment, as a deployment would
export PGPASSWORD=${PGPASSWORD:-example}
S=${SLUICE:?}
cd "$(dirname "$0")/.."
fail=0; n=0
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
for md in docs/*.md README.md ARCHITECTURE.md; do
  [ -f "$md" ] || continue
  rm -rf "$W"/blocks; mkdir -p "$W"/blocks
  awk -v dir="$W/blocks" '
    /^```/ && !inblk {
      inblk = 1; kind = $0; sub(/^```/, "", kind); split(kind, a, " ")
      if (a[1] == "file") { out = sprintf("%s/%03d.file.%s", dir, k, a[2]) }
      else if (a[1] == "sql") { k++; out = sprintf("%s/%03d.sql", dir, k) }
      else if (a[1] == "output") { out = sprintf("%s/%03d.output", dir, k) }
      else out = ""
      if (out != "") printf "" > out
      next
    }
    /^```/ && inblk { inblk = 0; if (out != "") close(out); out = ""; next }
    inblk && out != "" { print >> out }
  ' "$md"
  for sql in "$W"/blocks/*.sql; do
    [ -f "$sql" ] || continue
    n=$((n + 1))
    base=${sql%.sql}
    run=$(mktemp -d -p "$W")
    for f in "$W"/blocks/*.file.*; do
      [ -f "$f" ] || continue
      num=${f##*/}; num=${num%%.file.*}
      # files defined before this example (block counter <= this one) are visible to it
      if [ "$((10#$num))" -le "$((10#$(basename "$base")))" ]; then
        name=${f#*.file.}; mkdir -p "$run/$(dirname "$name")"; cp "$f" "$run/$name"
      fi
    done
    cp "$sql" "$run/example.sql"
    if ! err=$(cd "$run" && "$S" validate example.sql 2>&1 >/dev/null); then
      echo "$md example $(basename "$sql") does not validate:"; echo "$err"; head -5 "$sql"; fail=1; continue
    fi
    if [ -f "$base.output" ]; then
      got=$(cd "$run" && "$S" run example.sql -q 2>&1)
      if [ "$got" != "$(cat "$base.output")" ]; then
        echo "$md example $(basename "$sql") prints something else:"; diff <(echo "$got") "$base.output" | head -20; fail=1
      fi
    fi
  done
done
# the function reference is current
want=$("$S" docs functions)
have=$(awk '/<!-- functions:begin -->/{on=1; next} /<!-- functions:end -->/{on=0} on' docs/sql.md)
if [ "$want" != "$have" ]; then echo "docs/sql.md function table is stale: paste 'sluice docs functions' between the markers"; fail=1; fi
want=$("$S" docs aggregates)
have=$(awk '/<!-- aggregates:begin -->/{on=1; next} /<!-- aggregates:end -->/{on=0} on' docs/sql.md)
if [ "$want" != "$have" ]; then echo "docs/sql.md aggregate table is stale: paste 'sluice docs aggregates' between the markers"; fail=1; fi
# every function example prints its result
while IFS=$'\t' read -r ex res; do
  n=$((n + 1))
  printf "CREATE TABLE p WITH ('connector' = 'print');\nINSERT INTO p SELECT %s;\n" "$ex" > "$W/f.sql"
  got=$(cd "$W" && "$S" run f.sql -q 2>&1)
  if [ "$got" != "+I[$res]" ]; then echo "function example '$ex' printed '$got', docs say '+I[$res]'"; fail=1; fi
done < <("$S" docs function-examples)
echo "$n docs examples checked"
exit $fail
