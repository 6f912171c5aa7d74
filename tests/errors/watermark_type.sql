CREATE TABLE t (id BIGINT, ts STRING, WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'x', 'format' = 'json');
