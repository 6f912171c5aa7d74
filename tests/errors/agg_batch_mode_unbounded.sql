CREATE TABLE t (k STRING, v INT, d DECIMAL(10, 2), ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
  WITH ('connector' = 'filesystem', 'path' = 't.jsonl', 'format' = 'json');
CREATE TABLE p WITH ('connector' = 'print');
SET 'execution.runtime-mode' = 'batch';
CREATE TABLE u (k STRING) WITH ('connector' = 'filesystem', 'path' = '.', 'format' = 'json', 'source.monitor-interval' = '1 s');
INSERT INTO p SELECT k, COUNT(*) FROM u GROUP BY k;
