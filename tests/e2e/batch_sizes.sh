#!/usr/bin/env bash
# The quickstart pipeline (3,000 orders, a statement set of two INSERTs, DECIMAL, time
# functions, five dead letters) gives byte-identical sinks, dead-letter file and summary
# counts at batch sizes 1, 7, 1024 and 65536: batch boundaries must not show in the output.
set -u
S=${SLUICE:?}
cd "${ROOT:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
for bs in 1 7 1024 65536; do
  mkdir -p "$T/$bs" && cp -r examples "$T/$bs/"
  (cd "$T/$bs" && "$S" run examples/quickstart.sql --set sluice.batch-size="$bs" 2>sum.txt) ||
    { echo "batch size $bs: exit $?: $(cat "$T/$bs/sum.txt")"; exit 1; }
  # state peaks depend on how rows are batched (a window may close between batches); the
  # rest of the summary must not
  grep -v "finished in\|^  state  " "$T/$bs/sum.txt" >"$T/$bs/out/summary.txt"
done
[ "$(wc -l <"$T/1024/out/paid_eu.jsonl")" -gt 0 ] || { echo "no output at all"; exit 1; }
for bs in 1 7 65536; do
  diff -r "$T/1024/out" "$T/$bs/out" >"$T/diff.txt" ||
    { echo "batch size $bs differs from 1024:"; head -20 "$T/diff.txt"; exit 1; }
done
echo ok
