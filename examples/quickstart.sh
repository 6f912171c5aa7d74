#!/bin/sh
# make quickstart: runs the bundled example pipeline on the bundled data and shows the result.
set -e
cd "$(dirname "$0")/.."
rm -rf out
echo "\$ build/sluice run examples/quickstart.sql"
build/sluice run examples/quickstart.sql
echo
for f in out/paid_eu.jsonl out/refunds.csv out/revenue_hourly.jsonl out/sluice-dlq.jsonl; do
  [ -f "$f" ] || continue
  echo "== $f ($(wc -l < "$f") lines), first lines:"
  head -n 3 "$f"
  echo
done
echo "The pipeline is examples/quickstart.sql; see README.md for what each part does."
