-- The weekly customer profile: per customer, orders, revenue and clicks, and the average
-- monthly revenue (an aggregate of an aggregate).
\set ON_ERROR_STOP on
TRUNCATE mart.customer_360;
WITH monthly AS (
  SELECT customer_id, date_trunc('month', ts) AS month, sum(amount_eur) AS revenue
  FROM mart.order_facts
  GROUP BY 1, 2
), per_customer AS (
  SELECT customer_id, avg(revenue) AS avg_monthly
  FROM monthly
  GROUP BY customer_id
)
INSERT INTO mart.customer_360 (customer_id, name, orders, revenue, clicks, avg_monthly)
SELECT c.id, c.name, count(DISTINCT f.id), sum(f.amount_eur), count(k.ts), p.avg_monthly
FROM public.customers c
JOIN mart.order_facts f ON f.customer_id = c.id
LEFT JOIN web.clicks k ON k.customer_id = c.id
LEFT JOIN per_customer p ON p.customer_id = c.id
GROUP BY c.id, c.name, p.avg_monthly;
