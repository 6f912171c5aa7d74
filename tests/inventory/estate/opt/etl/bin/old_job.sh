#!/bin/sh
# decoy: only a commented-out crontab line runs this
psql -c "DROP TABLE mart.order_facts"
