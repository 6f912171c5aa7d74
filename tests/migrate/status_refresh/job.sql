-- Nightly full refresh: orders per normalised status.
CREATE TABLE status_counts (status text PRIMARY KEY, orders bigint, avg_amount numeric(10,2));

BEGIN;
TRUNCATE status_counts;
INSERT INTO status_counts
SELECT lower(btrim(status)), count(*), round(avg(amount), 2)
FROM shop.orders
GROUP BY lower(btrim(status));
COMMIT;
