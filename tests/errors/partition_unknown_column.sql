CREATE TABLE orders (order_id BIGINT, amount DECIMAL(10, 2)) PARTITIONED BY (order_id, dt)
WITH ('connector' = 'filesystem', 'path' = 'x', 'format' = 'json');
CREATE TABLE s WITH ('connector' = 'print');
INSERT INTO s SELECT order_id FROM orders;
