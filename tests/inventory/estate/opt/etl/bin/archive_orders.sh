#!/bin/bash
# Moves orders older than 90 days to the archive.
. /opt/etl/lib/env.sh
$PSQL -f $SQL_DIR/archive_orders.sql
