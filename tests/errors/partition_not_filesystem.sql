CREATE TABLE s (a INT, b INT) PARTITIONED BY (a) WITH ('connector' = 'print');
CREATE TABLE t (a INT, b INT) WITH ('connector' = 'filesystem', 'path' = 'x', 'format' = 'json');
INSERT INTO s SELECT a, b FROM t;
