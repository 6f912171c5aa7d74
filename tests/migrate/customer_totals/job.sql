-- Nightly: every customer's totals, upserted.
CREATE TABLE customer_totals (
  customer_id integer PRIMARY KEY,
  orders bigint,
  total numeric(14,2),
  last_order timestamp
);

INSERT INTO customer_totals
SELECT customer_id, count(*), sum(coalesce(amount, 0)), max(created_at)
FROM shop.orders
WHERE status <> 'cancelled'
GROUP BY customer_id
ON CONFLICT (customer_id) DO UPDATE
  SET orders = EXCLUDED.orders, total = EXCLUDED.total, last_order = EXCLUDED.last_order;
