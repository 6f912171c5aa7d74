#!/usr/bin/env bash
# Every SQL file of the inventory's test estate is valid PostgreSQL: run against a real
# PostgreSQL 15 server (tests/e2e/lib/pg.sh) after the estate's schema.sql, with the psql
# variables its jobs set; the SQL the shell scripts pass with psql -c and here-documents too.
. "$(dirname "$0")/lib/setup.sh"
. "$ROOT/tests/e2e/lib/pg.sh"
pg_start || fail "postgres did not start"
SQL=$ROOT/tests/inventory/estate/opt/etl/sql
run() { psql -X -q -v ON_ERROR_STOP=1 "$@" >>out.txt 2>err.txt || fail "psql $*: $(cat err.txt)"; }
run -f "$SQL/schema.sql"
pgq "INSERT INTO staging.orders (id, customer_id, amount, currency, ts) VALUES
       (1, 10, 20000, 'USD', now()), (1, 10, 20000, 'USD', now()), (2, 11, 5, 'EUR', now() - interval '100 days');
     INSERT INTO public.customers VALUES (10, 'Ann', 'north', 'a'), (11, 'Bob', 'south', 'b');
     INSERT INTO public.fx_rates VALUES ('USD', 0.9);
     INSERT INTO web.clicks VALUES (now(), '/home', 10);" >/dev/null || fail "seed"
run -v day="$(date +%F)" -f "$SQL/load_orders_post.sql"
run -f "$SQL/dedupe_orders.sql"
[ "$(pgq "SELECT count(*) FROM staging.orders")" = 2 ] || fail "dedupe_orders.sql did not dedupe"
run -f "$SQL/enrich_orders.sql"
[ "$(pgq "SELECT count(*) FROM mart.order_facts")" = 1 ] || fail "enrich_orders.sql: $(pgq 'TABLE mart.order_facts')"
run -v schema=mart -f "$SQL/rebuild_report.sql"
run -f "$SQL/archive_orders.sql"
[ "$(pgq "SELECT count(*) FROM archive.orders")" = 1 ] || fail "archive_orders.sql moved nothing"
run -f "$SQL/customer_360.sql"
[ "$(pgq "SELECT count(*) FROM mart.customer_360")" = 1 ] || fail "customer_360.sql"
run -f "$SQL/unused.sql"
# the SQL inside the scripts and crontabs: psql -c strings and here-documents
B=$ROOT/tests/inventory/estate/opt/etl/bin
sed -n '/psql -X -q -c "/,/"$/p' "$B/hourly_clicks.sh" | sed '1s/.*-c "//; $s/"$//' >hourly.sql
run -f hourly.sql
[ "$(pgq "SELECT clicks FROM mart.clicks_hourly")" = 1 ] || fail "hourly_clicks.sh SQL: $(pgq 'TABLE mart.clicks_hourly')"
sed -n "/<<'EOSQL'/,/^EOSQL/p" "$B/refresh_totals.sh" | sed '1d;$d' >totals.sql
run -f totals.sql
[ "$(pgq "SELECT count(*) FROM mart.region_totals")" = 1 ] || fail "refresh_totals.sh SQL"
run -c "INSERT INTO ops.heartbeat (ts) VALUES (now())"
run -c "SELECT count(*) FROM mart.order_facts"
printf 'id,customer_id,amount,currency,ts\n3,10,1,EUR,2026-01-01\n' >orders.csv
run -c "\\copy staging.orders (id, customer_id, amount, currency, ts) FROM 'orders.csv' WITH (FORMAT csv, HEADER)"
run -c "\\copy (SELECT day, region, revenue FROM mart.report_daily ORDER BY day) TO 'report.csv' CSV HEADER"
[ -s report.csv ] || fail "export"
run -f "$SQL/drop_everything.sql"
exit 0
