#!/usr/bin/env bash
# bench/run.sh - records per CPU-second for a filter + project over NDJSON: sluice next to jq
# and mlr (Miller) doing the same filter on the same file, in the same invocation.
# BENCH_N records (default 2,000,000, ~250 bytes each); the data is generated once into
# build/bench/. Each tool runs BENCH_REPEAT times (default 3) and its best run counts, so a
# noisy neighbour on a VM does not decide the result. Prints one line per tool and the ratios.
set -eu
cd "$(dirname "$0")/.."
N=${BENCH_N:-2000000}
D=build/bench
mkdir -p $D
DATA=$D/events-$N.jsonl
[ -f "$DATA" ] || awk -v n="$N" -f bench/gen.awk > "$DATA"
BYTES=$(stat -c %s "$DATA")
export BENCH_DATA=$DATA
REPEAT=${BENCH_REPEAT:-3}
cpu() { # best (lowest) CPU seconds (user+sys) of REPEAT runs of a command, output discarded
  local best="" t
  TIMEFORMAT='%U %S'
  for _ in $(seq "$REPEAT"); do
    t=$({ time "$@" >/dev/null 2>&1 ; } 2>&1 | awk '{printf "%.3f", $1 + $2}')
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (a == "" || b < a) ? b : a }')
  done
  echo "$best"
}
line() { # name seconds
  awk -v n="$1" -v s="$2" -v N="$N" -v B="$BYTES" 'BEGIN {
    printf "%-28s %8.2f s CPU  %12.0f records/CPU-s  %8.1f MB/CPU-s\n", n, s, N / s, B / 1e6 / s }'
}
echo "best of $REPEAT runs per tool"
echo "input: $N records, $((BYTES / 1000000)) MB ($DATA); filter status = 'paid' AND amount > 100, project 4 columns"
# a first untimed pass warms the page cache for every tool alike
cat "$DATA" >/dev/null
s_bh=$(cpu build/sluice run bench/filter_project.sql -q)
line "sluice (-> blackhole)" "$s_bh"
s_js=$(BENCH_SINK=print cpu build/sluice run bench/filter_project.sql -q)
line "sluice (-> print, encoded)" "$s_js"
matched=$(build/sluice run bench/filter_project.sql 2>&1 >/dev/null | awk '/sink/ {print $3}')
if command -v jq >/dev/null; then
  j=$(cpu jq -c 'select(.status == "paid" and .amount > 100) | {id, amount, ts, url}' "$DATA")
  line "jq $(jq --version | tr -d 'jq-')" "$j"
  jm=$(jq -c 'select(.status == "paid" and .amount > 100) | .id' "$DATA" | wc -l)
fi
if command -v mlr >/dev/null; then
  m=$(cpu mlr --ijsonl --ojsonl filter '$status == "paid" && $amount > 100' then cut -o -f id,amount,ts,url "$DATA")
  line "mlr $(mlr --version | awk '{print $2}')" "$m"
fi
echo "rows matched: sluice $matched${jm:+, jq $jm}"
awk -v s="$s_bh" -v j="${j:-0}" -v m="${m:-0}" 'BEGIN {
  if (j > 0) printf "sluice is %.1fx jq", j / s
  if (m > 0) printf ", %.1fx mlr", m / s
  printf " (records per CPU-second, same file, same run)\n" }'
