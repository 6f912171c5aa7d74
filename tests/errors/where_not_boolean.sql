CREATE TABLE t (id BIGINT, name STRING) WITH ('connector' = 'filesystem', 'path' = 'x', 'format' = 'json');
CREATE TABLE s WITH ('connector' = 'print');
INSERT INTO s SELECT id FROM t WHERE name;
