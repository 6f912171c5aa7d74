CREATE TABLE t (id BIGINT, k STRING) WITH ('connector' = 'filesystem', 'path' = 'x', 'format' = 'json');
CREATE TABLE s WITH ('connector' = 'print');
INSERT INTO s SELECT k FROM t GROUP BY k;
