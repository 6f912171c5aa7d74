CREATE TABLE orders (id BIGINT) WITH ('connector' = 'filesystem', 'path' = 'x', 'format' = 'json');
CREATE TABLE s WITH ('connector' = 'print');
INSERT INTO s SELECT id FROM ordrs;
