-- The daily report, recomputed from all of history every night.
BEGIN;
TRUNCATE :schema.report_daily;
INSERT INTO :schema.report_daily (day, region, revenue, orders)
SELECT date_trunc('day', f.ts)::date, f.region, sum(f.amount_eur), count(*)
FROM :schema.order_facts f
WHERE f.customer_id NOT IN (SELECT customer_id FROM mart.big_customers)
GROUP BY 1, 2;
COMMIT;
