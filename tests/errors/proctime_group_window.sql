CREATE TABLE t (k STRING, v INT, pt AS PROCTIME())
  WITH ('connector' = 'filesystem', 'path' = 't.jsonl', 'format' = 'json');
CREATE VIEW v AS SELECT k, v, pt AS at_time FROM t;
CREATE TABLE p WITH ('connector' = 'print');
INSERT INTO p SELECT k, TUMBLE_START(at_time, INTERVAL '1' MINUTE) AS ws, COUNT(*) AS n
FROM v GROUP BY k, TUMBLE(at_time, INTERVAL '1' MINUTE);
