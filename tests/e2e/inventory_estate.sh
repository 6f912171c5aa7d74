#!/usr/bin/env bash
# `sluice inventory` on the test estate (tests/inventory/estate: /etc/crontab, cron.d, a user
# crontab, shell scripts with sourced files, functions, here-documents, psql -c/-f/stdin/%,
# pg_dump, opaque programs, decoys that must not count) read with --root: the jobs' lineage,
# classes and scores, the edges, hazards (with the --runs log), external sources and dead ends
# must equal tests/inventory/estate.expected.json; then the other outputs, a SQL file given
# alone, --config weights, and the exit codes.
. "$(dirname "$0")/lib/setup.sh"
I=$ROOT/tests/inventory
E=$I/estate

t0=$(now_ms)
"$S" inventory --root "$E" --runs "$I/runs.log" --format json >est.json 2>err.txt || fail "inventory failed"
ms=$(($(now_ms) - t0))
echo "estate: $(jq '.jobs | length' est.json) jobs in ${ms} ms"
jq -f "$I/project.jq" est.json >got.json || fail "not JSON: $(head -c 300 est.json)"
diff -u "$I/estate.expected.json" got.json >diff.txt || fail "estate differs from the expected: $(head -60 diff.txt)"
grep -q decoy est.json && fail "a decoy was counted: $(grep decoy est.json)"
# reasons name what the SQL does and the score's parts
jq -e '.jobs[] | select(.id == "hourly_clicks") | .reasons | any(test("time-windowed aggregation"))' est.json >/dev/null ||
  fail "hourly_clicks: no windowed-aggregation reason"
jq -e '.jobs[] | select(.id == "rebuild_report") | .reasons | any(test("recomputes whole tables"))' est.json >/dev/null ||
  fail "rebuild_report: no full-recompute reason"
jq -e '.hazards[] | select(.kind == "reader-before-writer" and .jobs[0] == "enrich_orders") | .detail | test("rc=1")' est.json >/dev/null ||
  fail "the failed run of the log is not cited as evidence"

# without --runs: the schedule alone (enrich_orders 30 minutes after load_orders is no hazard)
"$S" inventory --root "$E" --format json >sched.json 2>err.txt || fail "inventory without --runs failed"
[ "$(jq -c '[.hazards[] | .kind + ":" + (.jobs | join(","))]' sched.json)" = \
  '["write-race:load_orders,dedupe_orders","reader-before-writer:rebuild_report,enrich_orders"]' ] ||
  fail "schedule-only hazards: $(jq -c '.hazards' sched.json)"

# the same estate given as paths (the crontabs and the cron.d directory) under --root
"$S" inventory --root "$E" /etc/crontab /etc/cron.d /var/spool/cron/crontabs/etl --runs "$I/runs.log" \
  --format json | jq -f "$I/project.jq" >paths.json || fail "inventory with paths failed"
cmp -s paths.json got.json || fail "paths differ from the defaults of --root: $(diff got.json paths.json | head)"

# text, DOT, lineage outputs
"$S" inventory --root "$E" --runs "$I/runs.log" >text.txt || fail "text failed"
head -1 text.txt | grep -q '^13 jobs, 12 tables (3 external sources, 5 dead ends), 14 edges, 3 hazards$' ||
  fail "text summary: $(head -1 text.txt)"
grep -q '^  100  load_orders ' text.txt || fail "text: jobs not sorted by score: $(sed -n 3,5p text.txt)"
"$S" inventory --root "$E" --runs "$I/runs.log" --format dot >g.dot || fail "dot failed"
[ "$(grep -c 'shape=box' g.dot)" = 13 ] || fail "dot: $(grep -c 'shape=box' g.dot) job nodes"
grep -q '"enrich_orders" -> "rebuild_report" \[label="mart.order_facts", color=red' g.dot || fail "dot: hazard edge not red"

# a SQL file alone is one job
"$S" inventory "$E/opt/etl/sql/customer_360.sql" --format json >one.json || fail "one file failed"
[ "$(jq -c '.jobs[0] | [.reads, .writes, .class]' one.json)" = \
  '[["customers","mart.order_facts","web.clicks"],["mart.customer_360"],"keep-batch"]' ] ||
  fail "customer_360.sql alone: $(jq -c '.jobs[0]' one.json)"

# --config changes the weights
printf '# keep-batch jobs first\nclass.keep-batch = 95\nfreshness.per-run-per-day=0\n' >w.conf
"$S" inventory "$E/opt/etl/sql/customer_360.sql" --config w.conf --format json >w.json || fail "--config failed"
[ "$(jq '.jobs[0].score' w.json)" = 95 ] || fail "--config: score $(jq '.jobs[0].score' w.json)"
echo "class.keep-bach = 1" >bad.conf
"$S" inventory "$E/opt/etl/sql/customer_360.sql" --config bad.conf >/dev/null 2>err.txt
[ $? = 2 ] && grep -q "did you mean 'class.keep-batch'" err.txt || fail "bad config: $(cat err.txt)"

# exit codes: 2 on bad usage
"$S" inventory >/dev/null 2>&1; [ $? = 2 ] || fail "no path: not 2"
"$S" inventory --bogus x.sql >/dev/null 2>&1; [ $? = 2 ] || fail "unknown option: not 2"
"$S" inventory no/such/file.sql >/dev/null 2>&1; [ $? = 2 ] || fail "missing path: not 2"
"$S" inventory x.sql --format yaml >/dev/null 2>&1; [ $? = 2 ] || fail "bad format: not 2"
echo "yesterday load_orders start" >bad.log
"$S" inventory --root "$E" --runs bad.log >/dev/null 2>err.txt; [ $? = 2 ] && grep -q 'bad.log:1:' err.txt ||
  fail "bad run log: $(cat err.txt)"
"$S" inventory --help | grep -q -- '--runs FILE' || fail "--help"
exit 0
