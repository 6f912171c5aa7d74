CREATE TABLE s (a INT) WITH ('connector' = 'filesystem', 'path' = 'in.jsonl', 'format' = 'json');
CREATE TABLE o1 WITH ('connector' = 'filesystem', 'path' = 'out/a.jsonl', 'format' = 'json');
-- the same file, written differently: both sinks would replace it
CREATE TABLE o2 WITH ('connector' = 'filesystem', 'path' = './out/tmp/../a.jsonl', 'format' = 'csv');
INSERT INTO o1 SELECT a FROM s;
INSERT INTO o2 SELECT a FROM s;
