CREATE TABLE t (k STRING, v INT, pt AS PROCTIME())
  WITH ('connector' = 'filesystem', 'path' = 't.jsonl', 'format' = 'json');
CREATE TABLE p WITH ('connector' = 'print');
INSERT INTO p SELECT k, SUM(v) OVER (PARTITION BY k ORDER BY pt
  ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS s FROM t;
