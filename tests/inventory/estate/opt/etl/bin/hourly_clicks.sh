#!/bin/sh
# Hourly click counts of the last day, per page.
. /opt/etl/lib/env.sh
psql -X -q -c "
  INSERT INTO mart.clicks_hourly (hour, page, clicks)
  SELECT date_trunc('hour', ts), page, count(*)
  FROM web.clicks
  WHERE ts >= now() - interval '2 hours'
  GROUP BY 1, 2
  ON CONFLICT (hour, page) DO NOTHING"
