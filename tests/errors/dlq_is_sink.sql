CREATE TABLE s (a INT) WITH ('connector' = 'filesystem', 'path' = 'in.jsonl', 'format' = 'json',
  'dlq.path' = 'out/bad.jsonl');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'out/bad.jsonl', 'format' = 'json');
INSERT INTO o SELECT a FROM s;
