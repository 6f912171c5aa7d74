#!/usr/bin/env bash
# Runs the lineage cases (tests/inventory/lineage/*.case; the format is described at the top of
# select.case) through `sluice inventory FILE --format lineage` and prints one line per failure
# and a summary: "lineage: P passed, F failed, G known gaps (accuracy A%)". Exit 1 on a failure.
# Usage: lineage.sh SLUICE [CASE-FILE...]
set -u
S=${1:?usage: lineage.sh SLUICE [CASE-FILE...]}
shift
case $S in /*) ;; *) S=$(pwd)/$S ;; esac
dir=$(cd "$(dirname "$0")" && pwd)
files=("$@")
[ ${#files[@]} = 0 ] && files=("$dir"/lineage/*.case)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0 gap=0 gapok=0
for f in "${files[@]}"; do
  rm -f "$T"/c.*
  awk -v dir="$T" '
    /^==/ { n++; out = sprintf("%s/c.%04d.sql", dir, n); name = $0; sub(/^==!? /, "", name)
            print name > (out ".name"); close(out ".name")
            if ($0 ~ /^==!/) { print "" > (out ".gap"); close(out ".gap") }
            printf "" > out; printf "" > (out ".want"); next }
    !out { next }
    /^--> / { s = substr($0, 5); print s >> (out ".want"); next }
    { print >> out }
  ' "$f"
  for c in "$T"/c.*.sql; do
    [ -f "$c" ] || continue
    name="$(basename "$f" .case)/$(cat "$c.name")"
    got=$(cd "$T" && "$S" inventory "$(basename "$c")" --format lineage 2>&1 | sed -E 's/^(error line [0-9]+): c\.[0-9]+\.sql:/\1:/')
    want=$(sed -E 's/[[:space:]]+$//' "$c.want")
    got=$(printf '%s\n' "$got" | sed -E 's/[[:space:]]+$//')
    if [ -f "$c.gap" ]; then
      gap=$((gap + 1))
      [ "$got" = "$want" ] && { gapok=$((gapok + 1)); echo "GAP FIXED $name (remove the !)"; }
    elif [ "$got" = "$want" ]; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1))
      echo "FAIL $name"
      diff <(echo "$want") <(echo "$got") | sed 's/^/     /' | head -8
    fi
  done
done
total=$((pass + fail + gap))
echo "lineage: $pass passed, $fail failed, $gap known gaps of $total cases (accuracy $(( (pass + gapok) * 1000 / (total ? total : 1) / 10 )).$(( (pass + gapok) * 1000 / (total ? total : 1) % 10 ))%)"
[ "$fail" = 0 ]
