-- Nightly: yesterday's orders by hour of the day (extract).
TRUNCATE hourly_orders;
INSERT INTO hourly_orders
SELECT extract(hour FROM created_at)::int, count(*), max(amount)
FROM shop.orders
WHERE created_at::date = current_date - 1
GROUP BY extract(hour FROM created_at);
