CREATE TABLE s (a INT) WITH ('connector' = 'filesystem', 'path' = 'in.jsonl', 'format' = 'json',
  'dlq.path' = './in.jsonl');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT a FROM s;
