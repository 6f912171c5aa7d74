-- Orders with their customer's region and the amount in EUR.
SET search_path TO mart, public;

CREATE TEMP TABLE new_orders AS
SELECT o.*
FROM staging.orders o
WHERE o.ts >= now() - interval '1 day';

INSERT INTO order_facts (id, customer_id, region, amount_eur, ts)
SELECT n.id, n.customer_id, c.region, n.amount * coalesce(fx.rate, 1), n.ts
FROM new_orders n
JOIN public.customers c ON c.id = n.customer_id
LEFT JOIN public.fx_rates fx ON fx.currency = n.currency
ON CONFLICT (id) DO UPDATE SET amount_eur = EXCLUDED.amount_eur;

-- a view the report reads (resolved to its tables)
CREATE OR REPLACE VIEW mart.big_customers AS
SELECT customer_id, sum(amount_eur) AS total
FROM mart.order_facts
GROUP BY customer_id
HAVING sum(amount_eur) > 10000;

DROP TABLE new_orders;
