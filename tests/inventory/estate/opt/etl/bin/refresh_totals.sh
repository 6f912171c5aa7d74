#!/bin/bash
# Rebuilds the region totals (a materialized view) after the night's loads.
. /opt/etl/lib/env.sh
psql -X -v ON_ERROR_STOP=1 <<'EOSQL'
-- a quoted here-document: $NOT_A_VARIABLE stays as written
CREATE MATERIALIZED VIEW IF NOT EXISTS mart.region_totals AS
  SELECT region, sum(amount_eur) AS total FROM mart.order_facts GROUP BY region;
REFRESH MATERIALIZED VIEW mart.region_totals;
EOSQL
