#!/bin/bash
# Nightly: sync the CRM (a Python program), then archive old orders.
. /opt/etl/lib/env.sh
/opt/etl/bin/sync_crm.py --since yesterday && /opt/etl/bin/archive_orders.sh
