#!/bin/sh
# after a reboot: warm the cache
psql -X -c "SELECT count(*) FROM mart.order_facts" > /dev/null
