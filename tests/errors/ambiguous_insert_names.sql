CREATE TABLE t (id BIGINT) WITH ('connector' = 'filesystem', 'path' = 'x', 'format' = 'json');
CREATE TABLE s WITH ('connector' = 'filesystem', 'path' = 'y', 'format' = 'json');
INSERT INTO s SELECT id, id + 1 FROM t;
