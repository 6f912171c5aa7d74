CREATE TABLE t (id BIGINT)
WITH ('connector' = 'filesystem', 'path' = 'x.jsonl', 'formt' = 'json');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT id FROM t;
