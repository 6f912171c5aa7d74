#!/bin/bash
# Loads the day's order file into staging.orders.
set -euo pipefail
. /opt/etl/lib/env.sh
cd "$DATA_DIR"
log "loading orders"
# psql -c "TRUNCATE ops.decoy_comment"   (no longer: we append)
$PSQL <<SQL
\copy staging.orders (id, customer_id, amount, currency, ts) FROM '${DATA_DIR}/orders.csv' WITH (FORMAT csv, HEADER)
SQL
run_sql load_orders_post.sql -v day="$(date +%F)"
