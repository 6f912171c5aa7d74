-- Nightly: yesterday's orders per customer country (a join to the customers dimension).
CREATE TABLE daily_country (day date, country text, orders bigint, revenue numeric(12,2));

INSERT INTO daily_country
SELECT o.created_at::date, upper(c.country), count(*), sum(o.amount)
FROM shop.orders o
JOIN shop.customers c ON c.id = o.customer_id
WHERE o.created_at >= current_date - 1 AND o.created_at < current_date
GROUP BY o.created_at::date, upper(c.country);
