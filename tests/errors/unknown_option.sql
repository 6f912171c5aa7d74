CREATE TABLE t (id BIGINT)
WITH ('connector' = 'filesystem', 'pth' = 'x.jsonl', 'format' = 'json');
