CREATE TABLE t (k STRING, n INT) WITH ('connector' = 'filesystem', 'path' = 't.jsonl', 'format' = 'json');
CREATE TABLE o (k STRING, c BIGINT) WITH ('connector' = 'kafka', 'topic' = 'o', 'format' = 'json',
  'properties.bootstrap.servers' = 'localhost:9092');
INSERT INTO o SELECT k, COUNT(*) FROM t GROUP BY k;
