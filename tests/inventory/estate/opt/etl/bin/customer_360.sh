#!/bin/bash
# Weekly customer profile: orders, clicks and the CRM, aggregated twice.
. /opt/etl/lib/env.sh
run_sql customer_360.sql
