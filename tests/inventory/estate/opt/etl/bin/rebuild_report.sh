#!/bin/bash
# Rebuilds the daily report from scratch.
source /opt/etl/lib/env.sh
SCHEMA=mart
psql -X -v ON_ERROR_STOP=1 -v schema=$SCHEMA -f "$SQL_DIR/rebuild_report.sql"
echo "psql -c 'DELETE FROM ops.decoy_echo'"   # only printed, never run
