#!/bin/bash
# Joins the orders with the customers (maintained by the CRM sync) into mart.order_facts.
. /opt/etl/lib/env.sh
run_sql enrich_orders.sql && log "enriched"
