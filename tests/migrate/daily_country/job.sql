-- Nightly: yesterday's orders per customer country (a join to the customers dimension),
-- grouped by output names.
CREATE TABLE daily_country (day date, country text, orders bigint, revenue numeric(12,2));

INSERT INTO daily_country
SELECT o.created_at::date AS day, upper(c.country) AS country_code, count(*), sum(o.amount)
FROM shop.orders o
JOIN shop.customers c ON c.id = o.customer_id
WHERE o.created_at >= current_date - 1 AND o.created_at < current_date
GROUP BY day, country_code;
