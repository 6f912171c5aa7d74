#!/bin/bash
# Exports the report as CSV for finance and dumps the click table for the web team.
. /opt/etl/lib/env.sh
OUT=/srv/exports
psql -X -c "\copy (SELECT day, region, revenue FROM mart.report_daily ORDER BY day) TO '$OUT/report.csv' CSV HEADER"
pg_dump -t mart.clicks_hourly -f "$OUT/clicks.sql" "$PGDATABASE"
cat <<'NOTE' > "$OUT/README"
These files are produced by export_daily.sh. Do not run:
DELETE FROM ops.decoy_note;
NOTE
scp "$OUT/report.csv" finance@fin.example.com:/incoming/
