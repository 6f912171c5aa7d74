#!/usr/bin/env bash
# The Nexmark queries of bench/nexmark against SQLite on the same generated events, at one and
# two workers (nexmark_oracle.py says how). NEXMARK_EVENTS=N sets the event count (default
# 40,000: 40 s of event time at 1,000 events per second, four 10 s windows); arguments q3 q5 ...
# run only those queries.
set -u
S=${SLUICE:?}
cd "${ROOT:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
python3 tests/e2e/nexmark_oracle.py "$S" "$ROOT" "$T" "${NEXMARK_EVENTS:-40000}" "$@"
