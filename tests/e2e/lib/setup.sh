# lib/setup.sh - sourced by the e2e scripts that run sluice in a scratch directory (not a test
# itself: tests/run.sh runs tests/e2e/*.sh only). It sets S (the binary under test), makes the
# temp dir T and cds into it; at exit it kills the processes whose pids are in $pid or in the
# pids array and removes T. fail prints its message (and err.txt when there is one) and exits 1;
# now_ms is the wall clock in milliseconds.
set -u
S=${SLUICE:?}
T=$(mktemp -d)
pid=
pids=()
e2e_cleanup() {
  local p
  for p in $pid "${pids[@]}"; do
    kill -9 "$p" 2>/dev/null
    wait "$p" 2>/dev/null
  done
  rm -rf "$T"
}
trap e2e_cleanup EXIT
cd "$T" || exit 1
fail() { echo "$*"; [ -f err.txt ] && head -n 40 err.txt; exit 1; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
