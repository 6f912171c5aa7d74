CREATE TABLE t (id BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = 'x', 'format' = 'json');
CREATE TABLE s (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = 'y', 'format' = 'csv');
INSERT INTO s SELECT name, id FROM t;
