-- The sluice quickstart: one pass over an order event log feeds two sinks.
--   paid_eu: paid orders from EU countries, USD converted to EUR with exact DECIMAL math,
--            timestamps formatted, written as JSON lines;
--   refunds: refunded and cancelled orders as CSV with a header line;
--   revenue_hourly: paid orders and revenue per country and hour (a 1-hour TUMBLE window: the
--            nightly "GROUP BY hour" report as a stream, each hour final once the watermark
--            passes it).
-- Records that cannot be decoded go to out/sluice-dlq.jsonl with their line and reason.
SET 'pipeline.name' = 'quickstart';

CREATE TABLE orders (
  order_id    BIGINT,
  customer_id BIGINT,
  status      STRING,
  amount_usd  DECIMAL(10, 2),
  country     STRING,
  channel     STRING,
  ts          TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (
  'connector' = 'filesystem',
  'path'      = '${SLUICE_DATA:-examples/data}/orders.jsonl',
  'format'    = 'json'
);

CREATE TABLE paid_eu WITH ('connector' = 'filesystem', 'path' = 'out/paid_eu.jsonl', 'format' = 'json');

CREATE TABLE revenue_hourly WITH (
  'connector' = 'filesystem', 'path' = 'out/revenue_hourly.jsonl', 'format' = 'json'
);

CREATE TABLE refunds WITH (
  'connector' = 'filesystem', 'path' = 'out/refunds.csv', 'format' = 'csv', 'csv.header' = 'true'
);

EXECUTE STATEMENT SET BEGIN
  INSERT INTO paid_eu
  SELECT order_id,
         customer_id,
         country,
         amount_usd,
         CAST(amount_usd * 0.92 AS DECIMAL(10, 2)) AS amount_eur,
         DATE_FORMAT(ts, 'yyyy-MM-dd HH:mm')      AS order_time,
         LOWER(channel)                           AS channel
  FROM orders
  WHERE status = 'paid' AND country IN ('DE', 'FR', 'NL', 'ES', 'IT');

  INSERT INTO refunds
  SELECT order_id, status, amount_usd, DATE_FORMAT(ts, 'yyyy-MM-dd') AS order_day
  FROM orders
  WHERE status IN ('refunded', 'cancelled');

  INSERT INTO revenue_hourly
  SELECT window_start AS hour, country, COUNT(*) AS orders, SUM(amount_usd) AS revenue_usd
  FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '1' HOUR))
  WHERE status = 'paid'
  GROUP BY window_start, window_end, country;
END;
