-- Nightly maintenance and reports: only some of it has a streaming meaning.
CREATE TABLE daily_status (day date, status text, orders bigint);
CREATE TABLE customer_rank (customer_id integer, revenue numeric(14,2), rnk bigint);
CREATE TABLE top_orders (order_id bigint, amount numeric(10,2));

DELETE FROM daily_status WHERE day < current_date - 30;

INSERT INTO daily_status
SELECT created_at::date, status, count(*)
FROM shop.orders
WHERE created_at >= current_date - 1 AND created_at < current_date
GROUP BY created_at::date, status;

INSERT INTO customer_rank
SELECT customer_id, sum(amount), rank() OVER (ORDER BY sum(amount) DESC)
FROM shop.orders
GROUP BY customer_id;

INSERT INTO top_orders
SELECT order_id, amount FROM shop.orders
ORDER BY amount DESC NULLS LAST
LIMIT 5;
