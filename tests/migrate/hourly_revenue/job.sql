-- Nightly: yesterday's orders and revenue per hour.
CREATE TABLE hourly_revenue (hour timestamp, orders bigint, revenue numeric(12,2));

INSERT INTO hourly_revenue (hour, orders, revenue)
SELECT date_trunc('hour', o.created_at) AS hour, count(*), coalesce(sum(o.amount), 0)
FROM shop.orders o
WHERE o.created_at >= current_date - interval '1 day'
  AND o.created_at < current_date
  AND o.status <> 'cancelled'
GROUP BY date_trunc('hour', o.created_at);
