CREATE TABLE t (id BIGINT) WITH ('connector' = 'filesystem', 'path' = 'x.jsonl);
