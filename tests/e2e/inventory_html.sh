#!/usr/bin/env bash
# The inventory's self-contained HTML report of the test estate, opened in headless Chromium
# (tests/web/inventory_report.js): the SVG graph has a node per job and an edge per dependency,
# hazard edges are red, the jobs table is sorted by score, the screenshot is not blank.
# Needs chromium and tests/web/node_modules (`make test` installs it).
. "$(dirname "$0")/lib/setup.sh"
I=$ROOT/tests/inventory
[ -d "$ROOT/tests/web/node_modules/playwright-core" ] || fail "tests/web/node_modules missing: cd tests/web && npm install"
# (under ASan: Graphviz's and fontconfig's own leaks are suppressed, see tests/web/lsan.supp)
LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$ROOT/tests/web/lsan.supp:print_suppressions=0" \
  "$S" inventory --root "$I/estate" --runs "$I/runs.log" --format html --output report.html 2>err.txt ||
  fail "html failed"
grep -q '<svg' report.html || fail "no SVG in the report"
grep -Eq '(src|href)="https?:' report.html && fail "the report links outside itself"
timeout 120 node "$ROOT/tests/web/inventory_report.js" report.html 13 14 4 graph.png >out.txt 2>err.txt ||
  fail "chromium check: $(cat out.txt err.txt | head -20)"
cat out.txt
