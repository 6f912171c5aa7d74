CREATE TABLE orders (order_id BIGINT, amount DECIMAL(10, 2))
WITH ('connector' = 'filesystem', 'path' = 'x.jsonl', 'format' = 'json');
CREATE TABLE s WITH ('connector' = 'print');
INSERT INTO s SELECT order_id, amout * 2 FROM orders;
