#!/usr/bin/env bash
# bench/run.sh - records per CPU-second for a filter + project over NDJSON: sluice next to jq
# and mlr (Miller) doing the same filter on the same file, in the same invocation, runs
# alternating between the tools. The last line is the figures as JSON.
# BENCH_N records (default 2,000,000, ~250 bytes each); the data is generated once into
# build/bench/. Each tool runs BENCH_REPEAT times (default 3) and its best run counts, so a
# noisy neighbour on a VM does not decide the result. Prints one line per tool and the ratios.
set -eu
# per-core figures: sluice on one worker unless the caller says otherwise
export SLUICE_PARALLELISM=${SLUICE_PARALLELISM:-1}
cd "$(dirname "$0")/.."
N=${BENCH_N:-2000000}
D=build/bench
mkdir -p $D
DATA=$D/events-$N.jsonl
[ -f "$DATA" ] || awk -v n="$N" -f bench/gen.awk > "$DATA"
BYTES=$(stat -c %s "$DATA")
export BENCH_DATA=$DATA
REPEAT=${BENCH_REPEAT:-3}
once() { # CPU seconds (user+sys) of one run of a command, output discarded
  TIMEFORMAT='%U %S'
  { time "$@" >/dev/null 2>&1 ; } 2>&1 | awk '{printf "%.3f", $1 + $2}'
}
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
line() { # name seconds
  awk -v n="$1" -v s="$2" -v N="$N" -v B="$BYTES" 'BEGIN {
    printf "%-28s %8.2f s CPU  %12.0f records/CPU-s  %8.1f MB/CPU-s\n", n, s, N / s, B / 1e6 / s }'
}
JQ='select(.status == "paid" and .amount > 100) | {id, amount, ts, url}'
has_jq=$(command -v jq || true)
has_mlr=$(command -v mlr || true)
[ "${BENCH_MLR:-1}" = 0 ] && has_mlr=""
echo "runs alternate between the tools ($REPEAT rounds); each tool's best run counts"
echo "input: $N records, $((BYTES / 1000000)) MB ($DATA); filter status = 'paid' AND amount > 100, project 4 columns"
# a first untimed pass warms the page cache for every tool alike
cat "$DATA" >/dev/null
s_bh="" s_js="" j="" m=""
for _ in $(seq "$REPEAT"); do # A B C A B C: the VM's noise falls on every tool alike
  s_bh=$(min "$s_bh" "$(once build/sluice run bench/filter_project.sql -q)")
  s_js=$(min "$s_js" "$(BENCH_SINK=print once build/sluice run bench/filter_project.sql -q)")
  [ -n "$has_jq" ] && j=$(min "$j" "$(once jq -c "$JQ" "$DATA")")
  [ -n "$has_mlr" ] && m=$(min "$m" "$(once mlr --ijsonl --ojsonl filter '$status == "paid" && $amount > 100' then cut -o -f id,amount,ts,url "$DATA")")
done
line "sluice (-> blackhole)" "$s_bh"
line "sluice (-> print, encoded)" "$s_js"
[ -n "$j" ] && line "jq $(jq --version | tr -d 'jq-')" "$j"
[ -n "$m" ] && line "mlr $(mlr --version | awk '{print $2}')" "$m"
matched=$(build/sluice run bench/filter_project.sql 2>&1 >/dev/null | awk '/sink/ {print $3}')
[ -n "$j" ] && jm=$(jq -c 'select(.status == "paid" and .amount > 100) | .id' "$DATA" | wc -l)
echo "rows matched: sluice $matched${jm:+, jq $jm}"
awk -v s="$s_bh" -v j="${j:-0}" -v m="${m:-0}" 'BEGIN {
  if (j > 0) printf "sluice is %.1fx jq", j / s
  if (m > 0) printf ", %.1fx mlr", m / s
  printf " (records per CPU-second, same file, same run)\n" }'
awk -v N="$N" -v s="$s_bh" -v p="$s_js" -v j="${j:-0}" -v m="${m:-0}" 'BEGIN {
  printf "{\"bench\":\"filter_project\",\"records\":%d,\"sluice_cpu_s\":%s,\"sluice_rec_per_cpu_s\":%.0f,", N, s, N / s
  printf "\"sluice_print_cpu_s\":%s,\"jq_cpu_s\":%s,\"mlr_cpu_s\":%s,\"x_jq\":%.2f}\n", p, j, m, (j > 0 ? j / s : 0) }'
