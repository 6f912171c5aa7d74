CREATE TABLE t (id BIGINT)
WITH ('connector' = 'filesystem', 'path' = '$HOME/x.jsonl', 'format' = 'json');
